"""Lesson 08, write it yourself: simultaneous and alternating gradient play on min_x max_y xy.

x minimises f(x, y) = x y and y maximises it: x descends (df/dx = y), y ascends (df/dy = x).
Write one round of each kind of play, then run

    python lessons/check.py 08
"""


def simultaneous_step(x, y, lr):
    """One round of simultaneous play: both players read the *old* (x, y).
    x_new = x - lr * y,  y_new = y + lr * x.  Return (x_new, y_new)."""
    raise NotImplementedError


def alternating_step(x, y, lr):
    """One round of alternating play: x moves first, then y reads the *new* x.
    x_new = x - lr * y,  y_new = y + lr * x_new.  Return (x_new, y_new)."""
    raise NotImplementedError
