"""Pure projections: state + event -> new state + derived events; queries over state with time passed in."""
