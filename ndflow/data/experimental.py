"""``tf.data.experimental``: the names that still live there."""
from ndflow.data.dataset import AUTOTUNE, Dataset
from ndflow.data.dataset import INFINITE as INFINITE_CARDINALITY
from ndflow.data.dataset import UNKNOWN as UNKNOWN_CARDINALITY


def cardinality(dataset):
    """``dataset.cardinality()`` (-1 infinite, -2 unknown) as an int64 scalar tensor."""
    if not isinstance(dataset, Dataset):
        raise TypeError("tf.data.experimental.cardinality expects a Dataset, got %s."
                        % type(dataset).__name__)
    return dataset.cardinality()


class AutoShardPolicy:
    AUTO, FILE, DATA, HINT, OFF = 0, 1, 2, 3, -1


def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False):
    return Dataset.sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)


def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
    return Dataset.choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)


def Counter(start=0, step=1, dtype=None):  # noqa: N802  (TensorFlow's spelling)
    """``start, start + step, ...`` forever: ``tf.data.Dataset.counter`` under its old name."""
    if dtype is None:
        return Dataset.counter(start, step)
    return Dataset.counter(start, step, dtype)
