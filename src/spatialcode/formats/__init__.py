"""Files in and out: ``bbox_3d`` lists (:mod:`.bbox3d`), VSI-Bench meta info
(:mod:`.vsibench_meta`), other systems' box lists (:mod:`.box_lists`), codes folders (:mod:`.codes_dir`), JSON and JSON lines
(:mod:`.json_file`), frames.json documents (:mod:`.frames_json`), npz streams
(:mod:`.npz_stream`), video with PyAV (:mod:`.video`) and the check that a name from a file is a
plain name (:mod:`.names`). Its names are imported on first use."""

from spatialcode.core.lazy import lazy_exports

#: The file suffixes read as videos (lower case).
VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv")

_EXPORTS = {
    "CodeSet": "spatialcode.formats.codes_dir",
    "box_list_code": "spatialcode.formats.box_lists",
    "CodesDir": "spatialcode.formats.codes_dir",
    "VideoWriter": "spatialcode.formats.video",
    "check_path_name": "spatialcode.formats.names",
    "convert_vsibench_meta": "spatialcode.formats.vsibench_meta",
    "iter_meta_info_dir": "spatialcode.formats.vsibench_meta",
    "jsonl_records": "spatialcode.formats.json_file",
    "read_box_lists": "spatialcode.formats.box_lists",
    "read_bbox_3d_list": "spatialcode.formats.bbox3d",
    "read_video": "spatialcode.formats.video",
    "write_bbox_3d_list": "spatialcode.formats.bbox3d",
    "write_codes": "spatialcode.formats.codes_dir",
}

__all__ = sorted([*_EXPORTS, "VIDEO_SUFFIXES"])
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
