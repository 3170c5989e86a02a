"""Byte-faithful rewriting of COCO files: the machinery behind clean and remap.

``streamed`` rewrites a streamed file run by run from its ``FileLayout``;
``writer`` and ``layout`` rewrite a whole text (the reference, same bytes);
``files`` holds the input and output policy; ``ranges`` has the kernel copy
unchanged bytes; ``renumber`` is remap's byte-level fast path, a worker task.
"""
