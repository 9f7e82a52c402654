"""theme_classifier: paragraph-level policy themes of Chinese government work reports."""

__version__ = "0.1.0"

#: The five policy themes, in the fixed order used by every model and table.
THEMES = ("industry", "ecology", "livelihood", "governance", "security")
#: Label for ceremonial text with no policy theme.
OTHER = "other"
#: Every primary label a unit can get.
LABELS = THEMES + (OTHER,)
