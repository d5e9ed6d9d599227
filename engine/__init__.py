"""The engine of Tested Notes: what runs the snippets, expands the pages and builds the site.

Imported the same way by the MkDocs hooks (hooks/), the tests (tests/) and the commands (scripts/),
so that the build and the checks share one definition of each path, number and rule. One module per
concern:

- paths: where things are (the repository, pages, snippets, the cache outside the repository);
- targets: every budget and threshold (time limits, page weight, Lighthouse scores), in one unit each;
- runner: running a program as a reader would (fresh process, empty folder, offline, time-limited);
- affected: what an edit to a snippet or a page affects, for `make check`;
- results: run results (and the images a run saved) kept by content, lock and engine version, so
  no program runs twice;
- sandbox: the OS walls around every program (own network, PIDs, read-only files, resource limits);
- cpus: the kinds of CPU a reader may have (CPU settings: kernel set and thread count);
- pages: a page's Markdown expanded as the build expands it, with a map back to its own lines;
- fences: the one scan of a page: fenced blocks, the prose outside them, includes, section markers;
- markup: page markup that would hide a program or its stated output (markers, fences, includes);
- snippet_diff: the generated comparison of two snippet files (the ```snippet-diff fence; a Markdown
  extension);
- run_values: numbers in prose marked as printed by a program ({= 25 =}), shown as the value and
  held to the run (a Markdown extension);
- whole_program: under each block that shows part of a snippet, a link to the whole file (a
  Markdown extension);
- api_index: each library API the snippets use, with the sections that use it (a Markdown
  extension);
- citations: [@key] as a footnote with the entry of docs/references.bib (a Markdown extension);
- tokens: highlighted code with fewer elements and the same look (Lighthouse blocking time; a
  Markdown extension);
- programs: every program shown on the site, and the outputs the pages state for it;
- outputs: rewriting stated outputs from what the programs print (`make outputs`);
- versions: the versions every page states it was tested with, the ranges `make compat` recorded
  (a Markdown extension);
- walkthroughs: snippets executed as notebooks, cached by content and versions;
- figures: the images snippets save, published from the runs their tests check (results);
- site: building the site, listing its pages, their weight;
- builders: the site built by ProperDocs and Zensical, each page's text compared with MkDocs'
  (`make build-check`);
- server: serving a built site on loopback as the host serves it;
- browser: Chromium's path and flags;
- csp: the Content-Security-Policy of every page.
"""
