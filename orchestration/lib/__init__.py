"""Code shared by the Dagster definitions: the dbt project and its translator, and the fingerprints of a run."""
