"""chengxin (诚信): a personal public credit (integrity) information platform."""

__version__ = "0.1.0"
