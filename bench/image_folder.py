"""Makes an image folder as users bring one, from MNIST (bench/image_folder.sh): N training
digits resized at random to 20-96 px on each side (aspect ratio changed too), saved as grey PNG,
RGB JPEG, RGBA PNG (a transparent background) or palette PNG in turn, in Kaggle's layout
(pictures/ + labels.csv); and M test digits likewise in a flat folder, with their labels apart.

  python bench/image_folder.py MNIST_DIR OUT N M
"""
import gzip
import random
import sys

import numpy as np
from PIL import Image


def idx(path):
    with gzip.open(path) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def picture(digit, rng):
    img = Image.fromarray(255 - digit)  # dark ink on white paper, as photographed
    w, h = rng.randint(20, 96), rng.randint(20, 96)
    img = img.resize((w, h), Image.BILINEAR)
    mode = rng.randrange(4)
    if mode == 0:
        return img, "png"
    if mode == 1:
        return img.convert("RGB"), "jpg"
    if mode == 2:
        rgba = img.convert("RGBA")
        a = np.array(rgba)
        a[..., 3] = 255 - np.array(img)  # the paper transparent, the ink opaque
        return Image.fromarray(a), "png"
    return img.convert("RGB").convert("P", palette=Image.ADAPTIVE, colors=16), "png"


def main(mnist, out, n, m):
    rng = random.Random(0)
    x, y = idx(f"{mnist}/train-images-idx3-ubyte.gz"), idx(f"{mnist}/train-labels-idx1-ubyte.gz")
    tx, ty = idx(f"{mnist}/t10k-images-idx3-ubyte.gz"), idx(f"{mnist}/t10k-labels-idx1-ubyte.gz")
    import os

    os.makedirs(f"{out}/train/pictures", exist_ok=True)
    os.makedirs(f"{out}/test", exist_ok=True)
    with open(f"{out}/train/labels.csv", "w") as f:
        f.write("file,label\n")
        for i in range(n):
            img, ext = picture(x[i], rng)
            img.save(f"{out}/train/pictures/d{i}.{ext}")
            f.write(f"pictures/d{i}.{ext},{y[i]}\n")
    with open(f"{out}/test_labels.csv", "w") as f:
        f.write("id,label\n")
        for i in range(m):
            img, ext = picture(tx[i], rng)
            img.save(f"{out}/test/t{i}.{ext}")
            f.write(f"t{i}.{ext},{ty[i]}\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
