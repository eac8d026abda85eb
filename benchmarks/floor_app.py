"""Streamlit's own floor for bench_browser.py: the least a page can be (a title and a line),
served by the same Streamlit in the same run as the dashboard."""

import streamlit as st

st.title("floor")
st.write("Streamlit with nothing to compute.")
