"""Tests of skrnn._forecasting, one file per module."""
