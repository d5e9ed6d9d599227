# --8<-- [start:build]
import torch
from torchvision.models import ResNet18_Weights, resnet18


def count(parameters):
    return sum(parameter.numel() for parameter in parameters)


# %% A whole ResNet-18: weights=None builds it with random weights, offline
torch.manual_seed(0)
model = resnet18(weights=None)
num_parameters = count(model.parameters())
# The published ImageNet weights record their size in their metadata, which
# ships with torchvision: nothing is downloaded until the weights are used.
published = ResNet18_Weights.IMAGENET1K_V1.meta["num_params"]
assert num_parameters == published
print(f"resnet18: {num_parameters:,} parameters")
# --8<-- [end:build]

# --8<-- [start:forward]
# %% A forward pass: 1000 ImageNet scores per image
# Global average pooling before the last layer takes any image size
images = torch.randn(4, 3, 64, 64)
model.eval()
with torch.inference_mode():
    logits = model(images)
    one_by_one = torch.cat([model(image[None]) for image in images])
print("logits:", tuple(logits.shape))
# Eval mode: batch norm uses its running statistics, so an image's scores do
# not depend on the rest of the batch (float32 rounding: 1e-5 of the scale).
scale = logits.abs().max().item()
torch.testing.assert_close(logits, one_by_one, rtol=0, atol=1e-5 * scale)

# Train mode: batch norm uses the batch's own statistics, and image 0's
# scores move by a large part of their scale with its batch.
model.train()
with torch.no_grad():
    in_pair, in_four = model(images[:2])[0], model(images)[0]
assert (in_pair - in_four).abs().max() > 0.1 * in_four.abs().max()
print("eval mode: each image alone; train mode: depends on the batch")
# --8<-- [end:forward]

# --8<-- [start:head]
# %% Fine-tuning for 10 classes: freeze the network, replace its head
for parameter in model.parameters():
    parameter.requires_grad_(False)
model.fc = torch.nn.Linear(model.fc.in_features, 10)
trainable = count(p for p in model.parameters() if p.requires_grad)
# The new head alone: a 512 x 10 weight and 10 biases
assert trainable == 512 * 10 + 10
print(f"trainable after the new head: {trainable:,}")
# --8<-- [end:head]
