"""engine.api_index: which library APIs a snippet uses, and where the pages show those lines."""

from engine.api_index import index, used_names

CODE = """\
import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import GCNConv
from backpack import extend

model = extend(nn.Sequential(nn.Linear(2, 2)))
conv = GCNConv(2, 2)
loss = F.cross_entropy(model(torch.zeros(1, 2)), torch.zeros(1).long())
gcn = conv
"""


def test_the_names_a_snippet_reaches_through_its_imports_with_their_lines():
    assert used_names(CODE) == {
        "backpack.extend": {7},
        "torch.nn.Sequential": {7},
        "torch.nn.Linear": {7},
        "torch_geometric.nn.GCNConv": {8},
        "torch.nn.functional.cross_entropy": {9},
    }


def test_an_api_is_listed_with_the_sections_whose_blocks_use_it():
    gcnconv = index()["PyG"]["torch_geometric.nn.GCNConv"]
    assert any(place.page == "pyg.md" for place in gcnconv)
    ig = index()["Captum"]["captum.attr.IntegratedGradients"]
    assert {place.page for place in ig} == {"captum.md", "captum-layers.md", "captum-graphs.md"}


def test_a_part_counts_only_for_the_lines_it_shows(tmp_path, monkeypatch):
    import engine.api_index as api

    snippet = tmp_path / "snippets" / "lib" / "two.py"
    snippet.parent.mkdir(parents=True)
    snippet.write_text(
        "import torch\n# --8<-- [start:model]\nlayer = torch.nn.Linear(2, 2)\n"
        "# --8<-- [end:model]\n# --8<-- [start:train]\n"
        "opt = torch.optim.SGD(layer.parameters(), lr=0.1)\n# --8<-- [end:train]\n"
    )
    page = tmp_path / "page.md"
    page.write_text(
        '# Page\n\n## The model\n\n```python\n--8<-- "lib/two.py:model"\n```\n\n'
        '## Training\n\n```python\n--8<-- "lib/two.py:train"\n```\n'
    )
    monkeypatch.setattr(api, "SNIPPETS", tmp_path / "snippets")
    monkeypatch.setattr(api, "snippet_files", lambda: [snippet])
    monkeypatch.setattr(api, "page_files", lambda: [page])
    found = api.index()["PyTorch"]
    assert [(p.section, p.anchor) for p in found["torch.nn.Linear"]] == [("The model", "the-model")]
    assert [p.section for p in found["torch.optim.SGD"]] == ["Training"]
