"""Numbers shared by the data pipeline and the builders, importing nothing.

ImageNet's per-channel mean and standard deviation (RGB, in [0, 1]), with
which torchvision's and Keras' ImageNet weights normalise their input.
"""

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
