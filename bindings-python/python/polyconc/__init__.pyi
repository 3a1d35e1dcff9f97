from ._core import Chan as Chan
from ._core import ChannelClosed as ChannelClosed
from ._core import select as select

__all__ = ["Chan", "ChannelClosed", "select"]
