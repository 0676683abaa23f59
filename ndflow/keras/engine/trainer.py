"""Trainer: compile / fit / evaluate / predict, mixed into Model.  (Being written.)"""


class Trainer:
    pass
