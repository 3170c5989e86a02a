import numpy as np, sys, json, time
CLASSES = open("/work/wt-stream/labelcheck/data/mlperf_264_classes.txt").read().splitlines()
def generate(path, n, seed=264, per_image=9, bad_rate=0.001):
    rng = np.random.default_rng(seed)
    n_images = max(1, n // per_image)
    sizes = np.array([(1024, 768), (768, 1024), (1024, 683), (800, 600)])
    which = rng.integers(0, 4, n_images)
    w, h = sizes[which, 0], sizes[which, 1]
    keys = rng.integers(0, 2**63, n_images, dtype=np.int64)
    image_of = np.sort(rng.integers(1, n_images + 1, n))
    cats = rng.integers(0, 264, n)
    bad = rng.random(n) < bad_rate
    cats[bad] = rng.choice([264, 300, 600, -1], bad.sum())
    x0 = rng.uniform(0, .8, n); y0 = rng.uniform(0, .8, n)
    x1 = x0 + .02 + rng.uniform(0, 1, n) * (1 - x0 - .02); y1 = y0 + .02 + rng.uniform(0, 1, n) * (1 - y0 - .02)
    iw, ih = w[image_of - 1], h[image_of - 1]
    bx = np.round(x0 * iw, 2); by = np.round(y0 * ih, 2); bw = np.round((x1 - x0) * iw, 2); bh = np.round((y1 - y0) * ih, 2)
    area = np.round(bw * bh, 2)
    occl = rng.integers(-1, 2, n); trunc = rng.integers(0, 2, n); group = (rng.random(n) < .05).astype(int)
    with open(path, "w") as f:
        f.write('{\n"info": {"description": "synthetic", "version": "1.0"},\n"licenses": [],\n"categories": [\n')
        f.write(",\n".join(json.dumps({"id": i, "name": c, "supercategory": "none"}) for i, c in enumerate(CLASSES)))
        f.write('\n],\n"images": [\n')
        for s in range(0, n_images, 100000):
            e = min(n_images, s + 100000)
            f.write(",\n".join(
                f'{{"id": {i+1}, "file_name": "{k:016x}.jpg", "height": {hh}, "width": {ww}, "license": null, "coco_url": "https://storage.googleapis.com/openimages/v6/train/{k:016x}.jpg"}}'
                for i, k, hh, ww in zip(range(s, e), keys[s:e].tolist(), h[s:e].tolist(), w[s:e].tolist())))
            f.write(",\n" if e < n_images else "\n")
        f.write('],\n"annotations": [\n')
        for s in range(0, n, 200000):
            e = min(n, s + 200000)
            f.write(",\n".join(
                f'{{"id": {i+1}, "image_id": {im}, "category_id": {c}, "bbox": [{a}, {b}, {cc}, {d}], "area": {ar}, "iscrowd": {g}, "IsOccluded": {o}, "IsTruncated": {t}, "IsGroupOf": {g}, "IsDepiction": 0, "IsInside": 0}}'
                for i, im, c, a, b, cc, d, ar, g, o, t in zip(range(s, e), image_of[s:e].tolist(), cats[s:e].tolist(), bx[s:e].tolist(), by[s:e].tolist(), bw[s:e].tolist(), bh[s:e].tolist(), area[s:e].tolist(), group[s:e].tolist(), occl[s:e].tolist(), trunc[s:e].tolist())))
            f.write(",\n" if e < n else "\n")
        f.write("]\n}\n")
t=time.time(); generate(sys.argv[1], int(sys.argv[2])); print(time.time()-t)
