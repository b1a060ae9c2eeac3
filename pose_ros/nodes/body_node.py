# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
body_node: camera images in; people, TF, markers, an annotated image and diagnostics out.

A lifecycle node and a thin adapter: it subscribes, converts, calls BodyPipeline and
publishes. Frames are never queued: the subscription callback only stores the newest frame,
and frames replaced before processing are counted as dropped. Two worker threads split each
frame (body model; then hands, head, smoothing and publishing), so two frames are in progress
at once. TF, markers and the annotated image are made only while someone subscribes.
"""

from collections import deque
import threading
import time
from typing import Dict, NamedTuple, Optional, Tuple

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
import numpy as np
from pose_ros.annotate import draw_frame
from pose_ros.backends import BackendError, create_backend
from pose_ros.depth_lifting import CameraIntrinsics
from pose_ros.frame_clock import FrameClock, FrameTime
from pose_ros.head_hands_stage import HeadHandsOptions, HeadHandsStage
from pose_ros.image_codec import (compressed_to_bgr, depth_to_metres, image_to_bgr,
                                  ImageConversionError, numpy_to_image)
from pose_ros.nodes import node_main
from pose_ros.nodes.params import (backend_options, body_check, BODY_PARAMS, declare_params,
                                   head_hands_options, ParamTable, pipeline_options,
                                   start_failure)
from pose_ros.people import FrameResult
from pose_ros.pipeline import BodyPipeline, PipelineOptions
from pose_ros.ros_conversion import (frame_to_people_msg, marker_array, stamp_seconds,
                                     tf_message)
from pose_ros.stats import RateMeter, StageStats
from pose_ros_msgs.msg import People
from rclpy.executors import SingleThreadedExecutor
from rclpy.lifecycle import Node as LifecycleNode
from rclpy.lifecycle import State, TransitionCallbackReturn
from rclpy.qos import qos_profile_sensor_data, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, CompressedImage, Image
from std_msgs.msg import Header
from tf2_msgs.msg import TFMessage
from visualization_msgs.msg import MarkerArray


# How long a problem keeps /diagnostics at WARN or ERROR after it was last seen (seconds).
_DIAG_HOLD_S = 5.0


class _Detected(NamedTuple):
    """A frame after the body model, waiting for its second half (:meth:`BodyNode._finish`)."""

    header: Header
    bgr: np.ndarray
    depth: Optional[np.ndarray]            # metres, or None
    intrinsics: Optional[CameraIntrinsics]
    result: FrameResult
    stages: Dict[str, float]               # queue and decode times, ms
    received: float                        # perf_counter() when the image arrived
    detected: float                        # perf_counter() when the body model was done
    time: FrameTime                        # the filters' time for this frame


class BodyNode(LifecycleNode):
    """Lifecycle node around BodyPipeline (see README for topics, parameters and frames)."""

    def __init__(self, **kwargs) -> None:
        super().__init__('body_node', **kwargs)
        self.params = ParamTable(self, declare_params(self, BODY_PARAMS), self._on_params,
                                 body_check)
        self.pipeline: Optional[BodyPipeline] = None
        self._pubs = {}
        self._subs = []
        self._latest = None               # (image msg, receive time) awaiting processing
        self._cond = threading.Condition()
        self._workers = []
        self._running = False
        self._handoff = None              # a detected frame awaiting its second half
        self._handoff_cond = threading.Condition()
        self._depth = deque(maxlen=10)    # recent depth messages, paired by stamp
        self._camera_info: Optional[CameraInfo] = None
        self.stats = StageStats()
        self.input_rate = RateMeter()
        self.output_rate = RateMeter()
        self.dropped = 0
        self.errors = 0
        self.last_error = ''
        self._last_error_time = -1e9
        self.clock = FrameClock()
        self._configure_error = ''        # why the last configure failed ('' if it did not)
        # Problems that do not stop a frame (stamps, depth, CameraInfo): kind -> (text, time).
        self._warnings: Dict[str, Tuple[str, float]] = {}
        self.warning_counts: Dict[str, int] = {'stamp': 0, 'depth': 0, 'camera_info': 0}
        # /diagnostics in every lifecycle state: a node that failed to configure says why.
        self._pub_diag = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self._diag_timer = self.create_timer(self.params['diagnostics_period'],
                                             self._publish_diagnostics)
        if self.params['autostart']:
            # Without a lifecycle manager (ros2 run, tests) the node brings itself up.
            self.trigger_configure()
            if self._state_machine.current_state[1] == 'inactive':
                self.trigger_activate()
            if self._state_machine.current_state[1] != 'active':
                self.get_logger().error('autostart failed: node is '
                                        f'{self._state_machine.current_state[1]}')

    # --- lifecycle -------------------------------------------------------------------------
    def on_configure(self, state: State) -> TransitionCallbackReturn:
        p = self.params
        stage = backend = None
        try:
            if p['head.enabled'] or p['hands.enabled']:
                stage = HeadHandsStage(hands=p['hands.enabled'], head=p['head.enabled'],
                                       options=HeadHandsOptions(
                                           **head_hands_options(p.values())))
            backend = create_backend(p['backend'], backend_options(p.values()))
            self.pipeline = BodyPipeline(backend, PipelineOptions(**pipeline_options(p.values())),
                                         stage)
            backend.warmup()
        except Exception as e:  # noqa: B902 - any failure leaves the node up and says why
            reason = str(e) if isinstance(e, (BackendError, ValueError)) else (
                f'{type(e).__name__}: {e}')
            self._configure_error = reason
            self.get_logger().error(f'cannot configure: {reason}')
            for part in (backend, stage):     # what was built before the failure
                if part is not None:
                    part.close()
            self.pipeline = None
            return TransitionCallbackReturn.FAILURE
        self._configure_error = ''
        self.clock.reset()
        reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
        self._pubs['people'] = self.create_lifecycle_publisher(People, 'people', reliable)
        self._pubs['markers'] = self.create_lifecycle_publisher(MarkerArray, 'markers', reliable)
        self._pubs['annotated'] = self.create_lifecycle_publisher(Image, 'annotated_image',
                                                                  qos_profile_sensor_data)
        # tf2_ros' dynamic broadcaster QoS: reliable, volatile, depth 100.
        self._pubs['tf'] = self.create_lifecycle_publisher(TFMessage, '/tf',
                                                           QoSProfile(depth=100))
        stage = self.pipeline.head_hands
        self.get_logger().info(f'configured: backend {self.pipeline.backend.name} '
                               f'({self.pipeline.backend.model})'
                               + (f'; {stage.model}' if stage is not None else ''))
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: State) -> TransitionCallbackReturn:
        p = self.params
        qos = QoSProfile(depth=1, reliability=(ReliabilityPolicy.RELIABLE if p['reliable_input']
                                               else ReliabilityPolicy.BEST_EFFORT))
        if p['compressed']:
            self._subs.append(self.create_subscription(CompressedImage, 'image/compressed',
                                                       self._on_image, qos))
        else:
            self._subs.append(self.create_subscription(Image, 'image', self._on_image, qos))
        if p['use_depth']:
            depth_qos = QoSProfile(depth=2, reliability=qos.reliability)
            self._subs.append(self.create_subscription(Image, 'depth', self._on_depth,
                                                       depth_qos))
        self._subs.append(self.create_subscription(CameraInfo, 'camera_info',
                                                   self._on_camera_info, qos))
        self._running = True
        self._workers = [threading.Thread(target=self._detect_loop, name='body_node_detect',
                                          daemon=True),
                         threading.Thread(target=self._finish_loop, name='body_node_finish',
                                          daemon=True)]
        for worker in self._workers:
            worker.start()
        self.get_logger().info(
            f'active: listening on {self._subs[0].topic_name} '
            f'({"reliable" if p["reliable_input"] else "best effort"})')
        return super().on_activate(state)

    def on_deactivate(self, state: State) -> TransitionCallbackReturn:
        self._stop_worker()
        for sub in self._subs:
            self.destroy_subscription(sub)
        self._subs = []
        return super().on_deactivate(state)

    def on_cleanup(self, state: State) -> TransitionCallbackReturn:
        self._release()
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: State) -> TransitionCallbackReturn:
        self._stop_worker()
        self._release()
        return TransitionCallbackReturn.SUCCESS

    def _release(self) -> None:
        for pub in self._pubs.values():
            self.destroy_publisher(pub)
        self._pubs = {}
        if self.pipeline is not None:
            self.pipeline.close()
            self.pipeline = None

    def shut_down(self) -> None:
        """Stop the workers before the node is destroyed (Ctrl-C, SIGTERM)."""
        self._stop_worker()

    def _stop_worker(self) -> None:
        for cond in (self._cond, self._handoff_cond):
            with cond:
                self._running = False
                cond.notify_all()
        for worker in self._workers:
            worker.join(timeout=5.0)
        self._workers = []
        self._handoff = None

    def _on_params(self, changed) -> None:
        """Apply run-time parameter changes (already validated by the ParamTable)."""
        if self.pipeline is None:
            return
        self.pipeline.update_options(**pipeline_options(self.params.values()))
        if self.pipeline.head_hands is not None:
            self.pipeline.head_hands.update_options(**head_hands_options(self.params.values()))
        backend_opts = getattr(self.pipeline.backend, 'options', None)
        if 'yolo.confidence' in changed and hasattr(backend_opts, 'confidence'):
            backend_opts.confidence = changed['yolo.confidence']

    # --- input -----------------------------------------------------------------------------
    def _on_depth(self, msg: Image) -> None:
        self._depth.append(msg)

    def _on_camera_info(self, msg: CameraInfo) -> None:
        self._camera_info = msg

    def _on_image(self, msg) -> None:
        self.input_rate.tick()
        with self._cond:
            if self._latest is not None:
                self.dropped += 1      # the newest frame wins; the unprocessed one is stale
            self._latest = (msg, time.perf_counter())
            self._cond.notify()

    # Two workers make a two-stage pipeline: while one finishes frame N (hands, head,
    # smoothing, publishing), the other runs the body model on the newest frame, so on a
    # multi-core CPU the frame rate is set by the slower half, not by the sum.
    def _detect_loop(self) -> None:
        while True:
            with self._handoff_cond:      # at most one detected frame waits for the other half
                while self._running and self._handoff is not None:
                    self._handoff_cond.wait(0.5)
            with self._cond:
                while self._running and self._latest is None:
                    self._cond.wait(0.5)
                if not self._running:
                    return
                msg, received = self._latest
                self._latest = None
            try:
                job = self._detect(msg, received)
            except Exception as e:  # noqa: B902 - a failing frame must not stop the node
                self._fail(f'frame skipped: {type(e).__name__}: {e}')
                continue
            if job is not None:
                with self._handoff_cond:
                    self._handoff = job
                    self._handoff_cond.notify_all()

    def _finish_loop(self) -> None:
        while True:
            with self._handoff_cond:
                while self._running and self._handoff is None:
                    self._handoff_cond.wait(0.5)
                if not self._running:
                    return
                job, self._handoff = self._handoff, None
                self._handoff_cond.notify_all()
            try:
                self._finish(job)
            except Exception as e:  # noqa: B902 - a failing frame must not stop the node
                self._fail(f'frame skipped: {type(e).__name__}: {e}')

    def _fail(self, reason: str) -> None:
        self.errors += 1
        self.last_error = reason
        self._last_error_time = time.monotonic()
        self.get_logger().error(reason, throttle_duration_sec=2.0)

    # --- one frame ----------------------------------------------------------------------
    def _detect(self, msg, received: float) -> Optional[_Detected]:
        """Decode and run the body model: the frame for :meth:`_finish`, or None."""
        t0 = time.perf_counter()
        limit = self.params['max_image_pixels']
        try:
            bgr = (compressed_to_bgr(msg, max_pixels=limit) if isinstance(msg, CompressedImage)
                   else image_to_bgr(msg, max_pixels=limit))
        except ImageConversionError as e:
            self._fail(f'bad image skipped: {e}')
            return None
        t1 = time.perf_counter()
        depth, intrinsics = self._depth_for(msg, bgr.shape[1], bgr.shape[0])
        frame_time = self.clock.tick(stamp_seconds(msg.header.stamp), received)
        if frame_time.problem:
            self._warn('stamp', frame_time.problem)
        result = self.pipeline.detect(bgr, frame_time.t, depth, intrinsics)
        if self.pipeline.last_depth_problem:
            self._warn('depth', f'{self.pipeline.last_depth_problem}: publishing 2D only')
        stages = {'queue': (t0 - received) * 1e3, 'decode': (t1 - t0) * 1e3}
        return _Detected(msg.header, bgr, depth, intrinsics, result, stages, received,
                         time.perf_counter(), frame_time)

    def _finish(self, job: _Detected) -> None:
        """Hands, head and smoothing, then publish everything of one frame."""
        p = self.params
        header, bgr, intrinsics, result = job.header, job.bgr, job.intrinsics, job.result
        t2 = time.perf_counter()
        if job.time.restart:
            self.pipeline.reset_filters()
        self.pipeline.finish(bgr, result, job.time.t, job.depth, intrinsics)
        t3 = time.perf_counter()
        self._pubs['people'].publish(frame_to_people_msg(result, header))
        # Optional outputs cost drawing and serialising: made only when someone listens.
        if p['publish_tf'] and _listened(self._pubs['tf']):
            tf = tf_message(result, header, joint_frames=p['tf_joint_frames'])
            if tf.transforms:
                self._pubs['tf'].publish(tf)
        if p['publish_markers'] and _listened(self._pubs['markers']):
            self._pubs['markers'].publish(marker_array(result, header,
                                                       lifetime_s=p['marker_lifetime']))
        if p['publish_annotated'] and _listened(self._pubs['annotated']):
            stage = self.pipeline.head_hands
            drawn = draw_frame(bgr, result, copy=False, intrinsics=intrinsics or (
                stage.last_intrinsics if stage is not None else None))
            self._pubs['annotated'].publish(numpy_to_image(drawn, 'bgr8', header))
        t4 = time.perf_counter()
        self.output_rate.tick()
        self.stats.add({**job.stages, **result.timings_ms, 'handoff': (t2 - job.detected) * 1e3,
                        'publish': (t4 - t3) * 1e3, 'total': (t4 - job.received) * 1e3})

    def _depth_for(self, msg, width: int, height: int):
        """Aligned depth (metres) and intrinsics for this frame, or (None, None) with a reason."""
        info = self._camera_info
        intrinsics = self._intrinsics(info, width, height) if info is not None else None
        if not self.params['use_depth']:
            return None, intrinsics
        if info is None:
            self._warn('depth', 'no CameraInfo received yet: publishing 2D only')
            return None, None
        if intrinsics is None:
            return None, None
        best = self._wait_for_depth(stamp_seconds(msg.header.stamp))
        if best is None:
            self._warn('depth', 'no depth image within sync_tolerance of the colour image: '
                                'publishing 2D only')
            return None, intrinsics
        try:
            return depth_to_metres(best, max_pixels=self.params['max_image_pixels']), intrinsics
        except ImageConversionError as e:
            self._warn('depth', f'invalid depth image ({e}): publishing 2D only')
            return None, intrinsics

    def _intrinsics(self, info: CameraInfo, width: int, height: int
                    ) -> Optional[CameraIntrinsics]:
        """Intrinsics of this image size from CameraInfo, or None (and a warning) if unusable."""
        try:
            intr = CameraIntrinsics.from_camera_info(info)
        except ValueError as e:
            self._warn('camera_info', f'unusable CameraInfo ({e}): publishing 2D only, and '
                                      'head poses from default intrinsics')
            return None
        if (intr.width, intr.height) != (width, height):
            intr = intr.scaled(width, height)
        return intr

    def _warn(self, kind: str, text: str) -> None:
        """Report a problem that does not stop the frame: a throttled warning, WARN status."""
        self.warning_counts[kind] += 1
        self._warnings[kind] = (text, time.monotonic())
        self.get_logger().warning(text, throttle_duration_sec=5.0)

    def _wait_for_depth(self, stamp: float) -> Optional[Image]:
        """
        Depth image nearest ``stamp`` within sync_tolerance, waiting as long for it.

        Drivers publish colour and depth separately, in either order: a depth image still in
        flight gets up to sync_tolerance seconds of wall time to arrive.
        """
        tolerance = self.params['sync_tolerance']
        deadline = time.monotonic() + tolerance
        while True:
            # list(): a snapshot, taken at once, while the executor thread appends.
            best = min(list(self._depth),
                       key=lambda d: abs(stamp_seconds(d.header.stamp) - stamp), default=None)
            if best is not None and abs(stamp_seconds(best.header.stamp) - stamp) <= tolerance:
                return best
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.002)

    # --- diagnostics -----------------------------------------------------------------------
    def _publish_diagnostics(self) -> None:
        now = time.monotonic()
        state = self._state_machine.current_state[1]
        status = DiagnosticStatus(name=f'{self.get_name()}: pose pipeline',
                                  hardware_id=self.get_fully_qualified_name())
        backend = self.pipeline.backend if self.pipeline else None
        summary = self.stats.summary()
        recent = {kind: text for kind, (text, at) in self._warnings.items()
                  if now - at < _DIAG_HOLD_S}
        values = {
            'state': state,
            'backend': backend.name if backend else 'none',
            'model': backend.model if backend else 'none',
            'input_rate_hz': f'{self.input_rate.rate():.2f}',
            'output_rate_hz': f'{self.output_rate.rate():.2f}',
            'frames_dropped': str(self.dropped),
            'frames_failed': str(self.errors),
            'last_error': self.last_error,
            'configure_error': self._configure_error,
            **{f'{kind}_problems': str(n) for kind, n in self.warning_counts.items()},
            **{f'last_{kind}_problem': text for kind, (text, _) in self._warnings.items()},
        }
        for stage, (p50, p95) in summary.items():
            values[f'latency_{stage}_ms_p50'] = f'{p50:.2f}'
            values[f'latency_{stage}_ms_p95'] = f'{p95:.2f}'
        status.values = [KeyValue(key=k, value=v) for k, v in values.items()]
        if self._configure_error:
            status.level = DiagnosticStatus.ERROR
            status.message = f'{state}: configure failed: {self._configure_error}'
        elif state != 'active':
            status.level, status.message = DiagnosticStatus.WARN, f'{state}: not processing'
        elif now - self._last_error_time < _DIAG_HOLD_S:
            status.level, status.message = DiagnosticStatus.ERROR, self.last_error
        elif recent:
            status.level, status.message = DiagnosticStatus.WARN, '; '.join(recent.values())
        elif self.input_rate.rate() == 0.0:
            status.level, status.message = DiagnosticStatus.WARN, 'no images received'
        else:
            status.level, status.message = DiagnosticStatus.OK, 'ok'
        array = DiagnosticArray(status=[status])
        array.header.stamp = self.get_clock().now().to_msg()
        self._pub_diag.publish(array)


def _listened(publisher) -> bool:
    """Return True if anyone subscribes to ``publisher``'s topic (TF listeners count)."""
    return publisher.get_subscription_count() > 0


def main(args=None) -> None:
    node_main.init(args)
    try:
        node = BodyNode()
    except Exception as e:  # noqa: B902 - any start failure is one FATAL line and exit 2
        node_main.fail_start('body_node', start_failure(e, BODY_PARAMS))
    # The callbacks only store messages; the work is in the node's own threads. rclpy's
    # multi-threaded executor costs a third of the frame rate here (17 vs 25 FPS with hands
    # and head at 30 FPS input, 2 cores): its Python threads compete for the GIL.
    node_main.spin(node, SingleThreadedExecutor(), node.shut_down)


if __name__ == '__main__':
    main()
