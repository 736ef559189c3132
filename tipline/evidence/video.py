"""Video evidence remuxed without its metadata (location, device, dates) by the ffmpeg that imageio-ffmpeg ships."""

import subprocess
import tempfile
from pathlib import Path

# Accepted type -> (ffmpeg demuxer forced on the input, muxer of the output).
# Forcing the demuxer keeps ffmpeg from reading a crafted "video" as a playlist
# that points at other files or URLs.
FORMATS = {
    "video/mp4": ("mov", "mp4"),
    "video/quicktime": ("mov", "mov"),
    "video/3gpp": ("mov", "3gp"),
    "video/webm": ("matroska", "webm"),
}
REMUX_TIMEOUT = 60  # seconds; a stream copy of the largest allowed file takes a fraction of that


def ffmpeg_exe():
    """The ffmpeg binary inside the imageio-ffmpeg wheel (never downloaded at run time)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def strip_video_metadata(data, mime):
    """The video copied stream by stream into a fresh container without metadata, or None if ffmpeg fails.

    Pictures and sound are copied, not re-encoded. Global, stream and chapter
    metadata are dropped (QuickTime ISO6709 and MP4 ©xyz locations, device make
    and model, creation times), and so are data and subtitle tracks, which can
    carry a GPS track of their own.
    """
    demuxer, muxer = FORMATS[mime]
    with tempfile.TemporaryDirectory(prefix="tipline-video-") as workdir:
        source, target = Path(workdir) / "in", Path(workdir) / f"out.{muxer}"
        source.write_bytes(data)
        command = [
            ffmpeg_exe(),
            "-nostdin",
            "-hide_banner",
            "-loglevel", "error",
            "-protocol_whitelist", "file",
            "-f", demuxer,
            "-i", str(source),
            "-map", "0:V?",  # V: video, not attached pictures (a cover JPEG keeps its EXIF)
            "-map", "0:a?",
            "-map_metadata", "-1",
            "-map_chapters", "-1",
            "-c", "copy",
            "-fflags", "+bitexact",  # no "encoder" tag naming the tool that wrote the file
            "-f", muxer,
            str(target),
        ]  # fmt: skip
        try:
            result = subprocess.run(command, capture_output=True, timeout=REMUX_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if result.returncode != 0 or not target.exists() or target.stat().st_size == 0:
            return None
        return target.read_bytes()
