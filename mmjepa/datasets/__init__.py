# Copyright (c) mmjepa contributors. All rights reserved.
"""Datasets: the deterministic demo-scene generator (numpy + Pillow only)."""
