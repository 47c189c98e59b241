"""Layers and models with PyTorch's names: ``from minigan import nn``.

Each line imports one file's names; a new family of layers adds one line.
"""
from minigan.nn import functional, init  # noqa: F401
from minigan.nn.module import Module  # noqa: F401
from minigan.nn.parameter import Parameter  # noqa: F401
from minigan.nn.containers import ModuleList, Sequential  # noqa: F401
from minigan.nn.layers import (Dropout, Embedding, Flatten, Identity, LeakyReLU,  # noqa: F401
                               Linear, LogSigmoid, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus,
                               Tanh, Unflatten)
from minigan.nn.loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss,  # noqa: F401
                             MSELoss)
from minigan.nn.conv import (AvgPool2d, Conv2d, ConvTranspose2d, ReflectionPad2d,  # noqa: F401
                             Upsample, ZeroPad2d)
from minigan.nn.norm import BatchNorm1d, BatchNorm2d, InstanceNorm2d, LayerNorm  # noqa: F401
