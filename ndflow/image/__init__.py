"""``tf.image``: resizing, cropping, flipping, color conversions and adjustments, random
augmentations, image metrics (PSNR, SSIM, total variation) and box utilities."""
from ndflow.image.geometry import (ResizeMethod, resize, resize_with_pad,
                                   resize_with_crop_or_pad, central_crop,
                                   crop_to_bounding_box, pad_to_bounding_box, flip_left_right,
                                   flip_up_down, random_flip_left_right, random_flip_up_down,
                                   stateless_random_flip_left_right,
                                   stateless_random_flip_up_down, rot90, transpose,
                                   extract_patches, random_crop, stateless_random_crop)
from ndflow.image.color import (convert_image_dtype, rgb_to_grayscale, grayscale_to_rgb,
                                rgb_to_hsv, hsv_to_rgb, rgb_to_yiq, yiq_to_rgb, rgb_to_yuv,
                                yuv_to_rgb, adjust_brightness, adjust_contrast,
                                adjust_saturation, adjust_hue, adjust_gamma,
                                per_image_standardization, random_brightness,
                                random_contrast, random_saturation, random_hue,
                                stateless_random_brightness, stateless_random_contrast,
                                stateless_random_saturation, stateless_random_hue)
from ndflow.image.metrics import (total_variation, image_gradients, sobel_edges, psnr, ssim,
                                  ssim_multiscale)
from ndflow.image.boxes import (non_max_suppression, non_max_suppression_with_scores,
                                non_max_suppression_overlaps, draw_bounding_boxes)
# the image codecs live in tf.io; TensorFlow offers them under tf.image too
from ndflow.io.image_io import (decode_image, decode_png, decode_jpeg, decode_bmp,  # noqa: E402
                                decode_gif, encode_png, encode_jpeg, is_jpeg)
