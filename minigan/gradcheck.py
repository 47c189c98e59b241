"""``minigan.gradcheck``: where the lessons and learners import the gradient checks from.

They live in ``minigan/autograd/gradcheck.py`` and are ``minigan.autograd.gradcheck`` and
``minigan.autograd.gradgradcheck``, as ``torch.autograd.gradcheck``; this name stays so that
``from minigan.gradcheck import gradcheck`` keeps working.
"""
from minigan.autograd.gradcheck import gradcheck, gradgradcheck

__all__ = ["gradcheck", "gradgradcheck"]
