# Copyright (c) mmjepa contributors. All rights reserved.
"""Figures of an exact pixel size on matplotlib's Agg canvas, and a grid of image panels."""
import math
import os
import os.path as osp
from typing import Optional, Sequence, Tuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

DPI = 100


def new_figure(width_px: int, height_px: int, dpi: int = DPI) -> Figure:
    """A figure that saves as a ``width_px`` x ``height_px`` PNG (no pyplot: nothing global is touched)."""
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, out: str) -> str:
    """Write ``fig`` to the PNG file ``out`` (folders made as needed) at the figure's own size; returns ``out``."""
    if not out.lower().endswith('.png'):
        raise ValueError(f'--out {out!r}: the pictures are PNG files, give a path ending in .png')
    folder = osp.dirname(osp.abspath(out))
    os.makedirs(folder, exist_ok=True)
    fig.savefig(out, dpi=fig.dpi, format='png')
    return out


class ImageGrid:
    """Image panels in ``nrows`` x ``ncols`` square cells of ``panel_px`` pixels, laid out to the pixel: a title
    on top, an optional caption above each panel, an optional label left of each row, an optional legend of
    colour swatches at the bottom. :attr:`size` is the PNG's (width, height).

    Args:
        nrows, ncols (int): Grid shape.
        panel_px (int): Side of a panel's cell in pixels (images keep their aspect ratio inside it).
        title_lines (int): Lines of the title.
        captions (bool): Leave a line above every panel for a caption.
        row_labels (bool): Leave a column on the left for row labels.
        legend_items (int): Colour swatches in the legend (0: no legend).
    """
    MARGIN = 8
    GAP = 6
    TITLE_LINE = 20
    CAPTION = 16
    ROW_LABEL = 64
    LEGEND_ROW = 20
    LEGEND_ITEM = 150  # width of one legend entry

    def __init__(self, nrows: int, ncols: int, panel_px: int = 192, title_lines: int = 1, captions: bool = False,
                 row_labels: bool = False, legend_items: int = 0):
        if nrows < 1 or ncols < 1:
            raise ValueError(f'ImageGrid needs at least one row and one column, got {nrows} x {ncols}')
        if panel_px < 16:
            raise ValueError(f'panel_px={panel_px} is too small to see anything (use >= 16)')
        self.nrows, self.ncols, self.panel_px = nrows, ncols, panel_px
        self.title_h = title_lines * self.TITLE_LINE + self.GAP
        self.caption_h = self.CAPTION if captions else 0
        self.label_w = self.ROW_LABEL if row_labels else 0
        width = 2 * self.MARGIN + self.label_w + ncols * panel_px + (ncols - 1) * self.GAP
        self.legend_cols = max(1, min(legend_items, (width - 2 * self.MARGIN) // self.LEGEND_ITEM))
        self.legend_h = math.ceil(legend_items / self.legend_cols) * self.LEGEND_ROW + self.GAP if legend_items else 0
        height = (2 * self.MARGIN + self.title_h + nrows * (self.caption_h + panel_px) + (nrows - 1) * self.GAP +
                  self.legend_h)
        self.size: Tuple[int, int] = (width, height)

    def cell(self, row: int, col: int) -> Tuple[int, int]:
        """Top-left pixel (x, y from the top) of the panel at ``(row, col)``."""
        x = self.MARGIN + self.label_w + col * (self.panel_px + self.GAP)
        y = self.MARGIN + self.title_h + row * (self.caption_h + self.panel_px + self.GAP) + self.caption_h
        return x, y

    def draw(self, panels: Sequence[Sequence[Optional[np.ndarray]]], title: str,
             captions: Optional[Sequence[Sequence[str]]] = None, row_labels: Optional[Sequence[str]] = None,
             legend: Sequence[Tuple[str, Sequence[float]]] = ()) -> Figure:
        """The figure: ``panels[r][c]`` is an ``[H, W, 3]`` image (uint8, or float in [0, 1]) or None (empty
        cell); ``legend`` lists ``(label, rgb)`` swatches."""
        width, height = self.size
        fig = new_figure(width, height)
        fig.text(0.5, 1 - self.MARGIN / height, title, ha='center', va='top', fontsize=10, linespacing=1.3)
        for r, row in enumerate(panels):
            for c, image in enumerate(row):
                x, y = self.cell(r, c)
                if captions is not None and captions[r][c]:
                    fig.text((x + self.panel_px / 2) / width, 1 - (y - 2) / height, captions[r][c], ha='center',
                             va='bottom', fontsize=8)
                if image is None:
                    continue
                ax = fig.add_axes((x / width, 1 - (y + self.panel_px) / height, self.panel_px / width,
                                   self.panel_px / height))
                ax.imshow(image, interpolation='nearest')
                ax.set_axis_off()
            if row_labels is not None:
                _, y = self.cell(r, 0)
                fig.text(self.MARGIN / width, 1 - (y + self.panel_px / 2) / height, row_labels[r], ha='left',
                         va='center', fontsize=9)
        if legend:
            handles = [Patch(facecolor=tuple(rgb), edgecolor='black', label=label) for label, rgb in legend]
            fig.legend(handles=handles, loc='lower center', ncol=self.legend_cols, fontsize=8, frameon=False,
                       bbox_to_anchor=(0.5, self.MARGIN / height / 2), handlelength=1.2, columnspacing=1.0)
        return fig
