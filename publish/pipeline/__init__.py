"""Pipeline: the stages run in order, with the store of remembered work, the build record and atomic writes."""
