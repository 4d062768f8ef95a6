"""Settings of the protein_engineering service."""

from annadata_common.settings import ServiceSettings


class ProteinSettings(ServiceSettings):
    """Environment settings; MAX_SEQUENCE_LENGTH bounds the work one request can ask for."""

    service_name: str = "protein_engineering"
    max_sequence_length: int = 10_000
    crop_traits_file: str = "crop_traits.csv"
