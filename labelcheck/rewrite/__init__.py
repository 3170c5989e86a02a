"""Byte-faithful rewriting of COCO files: the machinery behind clean and remap."""
