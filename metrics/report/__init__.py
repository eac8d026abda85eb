"""The monthly review pack (月度复盘): gathered, laid out as PDF, packed as zip."""
