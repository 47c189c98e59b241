"""Lesson 08, reference solutions: simultaneous and alternating steps on min_x max_y xy."""


def simultaneous_step(x, y, lr):
    """Both players read the old point."""
    return x - lr * y, y + lr * x


def alternating_step(x, y, lr):
    """x first; y answers the new x."""
    x = x - lr * y
    return x, y + lr * x
