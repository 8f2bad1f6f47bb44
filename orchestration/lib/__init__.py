"""Code shared by the Dagster definitions: resources and the dbt translator."""
