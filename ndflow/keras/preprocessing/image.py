"""``keras.preprocessing.image``: image files and arrays (also in ``keras.utils``)."""
from ndflow.keras.utils.image_utils import (array_to_img, img_to_array, load_img, save_img,
                                            smart_resize)

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
