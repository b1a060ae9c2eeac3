# Copyright 2026 pose_ros maintainers
# Licensed under the Apache License, Version 2.0

"""
body_node: camera images in; people, TF, markers, an annotated image and diagnostics out.

A lifecycle node and a thin adapter: it subscribes, converts, calls the pipeline that
:func:`pose_ros.pipeline.build_pipeline` makes from its configuration, and publishes. Frames
are never queued: the subscription callback only stores the newest frame, and frames replaced
before processing are counted as dropped. Worker threads split each frame: the body model
(``streams`` workers, each on the newest frame when it is free; tracking takes their frames in
the order they came), then hands, head, smoothing and publishing (one worker), so several
frames are in progress at once. TF, markers and the annotated image are made only while
someone subscribes.
"""

import threading
import time
from typing import Any, Dict, NamedTuple, Optional, Tuple, Union

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from pose_ros.annotate import draw_frame
from pose_ros.backends import BackendError
from pose_ros.config import BodyConfig
from pose_ros.depth_pairing import DepthPairing
from pose_ros.frame_turns import FrameTurns
from pose_ros.geometry.camera import CameraIntrinsics
from pose_ros.image_codec import (compressed_to_bgr, depth_to_metres, image_to_bgr,
                                  ImageConversionError, numpy_to_image)
from pose_ros.nodes import node_main
from pose_ros.nodes.params import ConfigParams
from pose_ros.pipeline import BodyPipeline, build_pipeline, Detected, Estimate, Frame
from pose_ros.ros_conversion import (frame_to_people_msg, marker_array, stamp_seconds,
                                     tf_message)
from pose_ros.segmentation import apply_effect, background_bgr, track_mask
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


class _InFlight(NamedTuple):
    """
    A frame between two stages.

    After the body model it waits for its turn to be tracked (``output`` an
    :class:`Estimate`, :meth:`BodyNode._detect`), then for its second half (``output`` the
    :class:`Detected`, :meth:`BodyNode._finish`).
    """

    header: Header
    frame: Frame
    output: Union[Estimate, Detected]
    stages: Dict[str, float]               # queue, decode (and order) times, ms
    received: float                        # perf_counter() when the image arrived
    done: float                            # perf_counter() when the last stage was done


class BodyNode(LifecycleNode):
    """Lifecycle node around the body pipeline (see README: topics, parameters, frames)."""

    def __init__(self, **kwargs) -> None:
        super().__init__('body_node', **kwargs)
        self.params: ConfigParams[BodyConfig] = ConfigParams(self, BodyConfig, self._on_config)
        self.pipeline: Optional[BodyPipeline] = None
        self.state = 'unconfigured'        # the lifecycle state, as the callbacks left it
        self._pubs: Dict[str, Any] = {}
        self._subs = []
        self._latest = None               # (image msg, receive time) awaiting processing
        self._cond = threading.Condition()
        self._workers = []
        self._running = False
        self._turns = FrameTurns()         # the body model's frames are tracked in order
        self._handoff: Optional[_InFlight] = None   # a detected frame awaiting its second half
        self._handoff_cond = threading.Condition()
        self._depth = DepthPairing()
        self._camera_info: Optional[CameraInfo] = None
        self.stats = StageStats()
        self.input_rate = RateMeter()
        self.output_rate = RateMeter()
        self.dropped = 0
        self.errors = 0
        self.last_error = ''
        self._last_error_time = -1e9
        self._configure_error = ''        # why the last configure failed ('' if it did not)
        # Problems that do not stop a frame (stamps, depth, CameraInfo): kind -> (text, time).
        self._warnings: Dict[str, Tuple[str, float]] = {}
        self.warning_counts: Dict[str, int] = {'stamp': 0, 'depth': 0, 'camera_info': 0}
        self.unassigned_hands = 0
        # /diagnostics in every lifecycle state: a node that failed to configure says why.
        self._pub_diag = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self._diag_timer = self.create_timer(self.config.diagnostics_period,
                                             self._publish_diagnostics)
        if self.config.autostart:
            # Without a lifecycle manager (ros2 run, tests) the node brings itself up.
            if self.trigger_configure() == TransitionCallbackReturn.SUCCESS:
                self.trigger_activate()
            if self.state != 'active':
                self.get_logger().error(f'autostart failed: node is {self.state}')

    @property
    def config(self) -> BodyConfig:
        """Return the current configuration (replaced whole on a parameter change)."""
        return self.params.config

    def _on_config(self, config: BodyConfig, changed: Dict[str, Any]) -> None:
        if self.pipeline is not None:
            self.pipeline.update(config)       # taken by the workers between two frames

    # --- lifecycle -------------------------------------------------------------------------
    def on_configure(self, state: State) -> TransitionCallbackReturn:
        try:
            self.pipeline = build_pipeline(self.config)
        except Exception as e:  # noqa: B902 - any failure leaves the node up and says why
            reason = str(e) if isinstance(e, (BackendError, ValueError)) else (
                f'{type(e).__name__}: {e}')
            self._configure_error = reason
            self.get_logger().error(f'cannot configure: {reason}')
            return TransitionCallbackReturn.FAILURE
        self._configure_error = ''
        reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
        self._pubs['people'] = self.create_lifecycle_publisher(People, 'people', reliable)
        self._pubs['markers'] = self.create_lifecycle_publisher(MarkerArray, 'markers', reliable)
        self._pubs['annotated'] = self.create_lifecycle_publisher(Image, 'annotated_image',
                                                                  qos_profile_sensor_data)
        if self.config.segmentation.enabled:
            self._pubs['person_mask'] = self.create_lifecycle_publisher(
                Image, 'person_mask', qos_profile_sensor_data)
            self._pubs['effect'] = self.create_lifecycle_publisher(Image, 'effect_image',
                                                                   qos_profile_sensor_data)
        # tf2_ros' dynamic broadcaster QoS: reliable, volatile, depth 100.
        self._pubs['tf'] = self.create_lifecycle_publisher(TFMessage, '/tf',
                                                           QoSProfile(depth=100))
        stages = [s.model for s in (self.pipeline.head_hands, self.pipeline.segmentation)
                  if s is not None]
        self.get_logger().info(f'configured: backend {self.pipeline.backend.name} '
                               f'({self.pipeline.backend.model})'
                               + ''.join(f'; {m}' for m in stages))
        self.state = 'inactive'
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: State) -> TransitionCallbackReturn:
        c = self.config
        qos = QoSProfile(depth=1, reliability=(ReliabilityPolicy.RELIABLE if c.reliable_input
                                               else ReliabilityPolicy.BEST_EFFORT))
        if c.compressed:
            self._subs.append(self.create_subscription(CompressedImage, 'image/compressed',
                                                       self._on_image, qos))
        else:
            self._subs.append(self.create_subscription(Image, 'image', self._on_image, qos))
        if c.use_depth:
            depth_qos = QoSProfile(depth=2, reliability=qos.reliability)
            self._subs.append(self.create_subscription(Image, 'depth', self._on_depth,
                                                       depth_qos))
        self._subs.append(self.create_subscription(CameraInfo, 'camera_info',
                                                   self._on_camera_info, qos))
        self._running = True
        self._turns.reopen()
        self._workers = [threading.Thread(target=self._detect_loop, name=f'body_node_detect{i}',
                                          daemon=True) for i in range(self.pipeline.streams)]
        self._workers.append(threading.Thread(target=self._finish_loop, name='body_node_finish',
                                              daemon=True))
        for worker in self._workers:
            worker.start()
        self.get_logger().info(
            f'active: listening on {self._subs[0].topic_name} '
            f'({"reliable" if c.reliable_input else "best effort"})')
        result = super().on_activate(state)
        self.state = 'active'
        return result

    def on_deactivate(self, state: State) -> TransitionCallbackReturn:
        self._stop_worker()
        for sub in self._subs:
            self.destroy_subscription(sub)
        self._subs = []
        self._depth.clear()
        self.state = 'inactive'
        return super().on_deactivate(state)

    def on_cleanup(self, state: State) -> TransitionCallbackReturn:
        self._release()
        self.state = 'unconfigured'
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: State) -> TransitionCallbackReturn:
        self._stop_worker()
        self._release()
        self.state = 'finalized'
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
        self._turns.close()
        for cond in (self._cond, self._handoff_cond):
            with cond:
                self._running = False
                cond.notify_all()
        for worker in self._workers:
            worker.join(timeout=5.0)
        self._workers = []
        self._handoff = None

    # --- input -----------------------------------------------------------------------------
    def _on_depth(self, msg: Image) -> None:
        self._depth.add(stamp_seconds(msg.header.stamp), msg)

    def _on_camera_info(self, msg: CameraInfo) -> None:
        self._camera_info = msg

    def _on_image(self, msg) -> None:
        self.input_rate.tick()
        with self._cond:
            if self._latest is not None:
                self.dropped += 1      # the newest frame wins; the unprocessed one is stale
            self._latest = (msg, time.perf_counter())
            self._cond.notify()

    # The workers make a two-stage pipeline: while one finishes frame N (hands, head,
    # smoothing, publishing), the others run the body model on the newest frames, so on a
    # multi-core CPU the frame rate is set by the slower half, not by the sum. With more than
    # one stream, the models of two frames run at once and each frame waits for its turn.
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
                ticket = self._turns.ticket()
            try:
                estimated = self._estimate(msg, received)
            except Exception as e:  # noqa: B902 - a failing frame must not stop the node
                self._fail(f'frame skipped: {type(e).__name__}: {e}')
                estimated = None
            with self._turns.turn(ticket) as running:
                if not running:
                    return
                if estimated is not None:
                    self._detect_in_turn(estimated)

    def _detect_in_turn(self, estimated: _InFlight) -> None:
        """Track the frame and hand it to the second half, frames in the order they came."""
        try:
            job = self._detect(estimated)
        except Exception as e:  # noqa: B902 - a failing frame must not stop the node
            self._fail(f'frame skipped: {type(e).__name__}: {e}')
            return
        with self._handoff_cond:
            while self._running and self._handoff is not None:
                self._handoff_cond.wait(0.5)
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
    def _estimate(self, msg, received: float) -> Optional[_InFlight]:
        """Decode and run the body model: the frame for :meth:`_detect`, or None."""
        t0 = time.perf_counter()
        limit = self.config.max_image_pixels
        try:
            bgr = (compressed_to_bgr(msg, max_pixels=limit) if isinstance(msg, CompressedImage)
                   else image_to_bgr(msg, max_pixels=limit))
        except ImageConversionError as e:
            self._fail(f'bad image skipped: {e}')
            return None
        t1 = time.perf_counter()
        depth, intrinsics = self._depth_for(msg, bgr.shape[1], bgr.shape[0])
        frame = Frame(bgr, stamp_seconds(msg.header.stamp), received, depth, intrinsics)
        estimate = self.pipeline.estimate(frame)
        stages = {'queue': (t0 - received) * 1e3, 'decode': (t1 - t0) * 1e3}
        return _InFlight(msg.header, frame, estimate, stages, received, time.perf_counter())

    def _detect(self, job: _InFlight) -> _InFlight:
        """Track (in frame order) and lift to 3D: the frame for :meth:`_finish`."""
        waited = (time.perf_counter() - job.done) * 1e3       # for the earlier frames' turns
        detected = self.pipeline.detect(job.frame, job.output)
        if detected.result.stamp_problem:
            self._warn('stamp', detected.result.stamp_problem)
        if detected.result.depth_problem:
            self._warn('depth', f'{detected.result.depth_problem}: publishing 2D only')
        stages = {**job.stages, 'order': waited}
        return job._replace(output=detected, stages=stages, done=time.perf_counter())

    def _finish(self, job: _InFlight) -> None:
        """Hands, head and smoothing, then publish everything of one frame."""
        c = self.config
        header = job.header
        t2 = time.perf_counter()
        result = self.pipeline.finish(job.frame, job.output)
        self.unassigned_hands = result.unassigned_hands
        t3 = time.perf_counter()
        self._pubs['people'].publish(frame_to_people_msg(result, header, c.face.landmarks))
        # Optional outputs cost drawing and serialising: made only when someone listens.
        if c.publish_tf and _listened(self._pubs['tf']):
            tf = tf_message(result, header, joint_frames=c.tf_joint_frames)
            if tf.transforms:
                self._pubs['tf'].publish(tf)
        if c.publish_markers and _listened(self._pubs['markers']):
            self._pubs['markers'].publish(marker_array(result, header,
                                                       lifetime_s=c.marker_lifetime))
        labels = result.person_labels
        if labels is not None:
            if _listened(self._pubs['person_mask']):
                self._pubs['person_mask'].publish(numpy_to_image(
                    track_mask(labels, result.people), 'mono16', header))
            # Before the annotation draws on the frame.
            if c.segmentation.effect != 'none' and _listened(self._pubs['effect']):
                effect = apply_effect(job.frame.bgr, labels, c.segmentation.effect,
                                      background_bgr(c), c.segmentation.blur)
                self._pubs['effect'].publish(numpy_to_image(effect, 'bgr8', header))
        if c.publish_annotated and _listened(self._pubs['annotated']):
            drawn = draw_frame(job.frame.bgr, result, copy=False, intrinsics=result.intrinsics)
            self._pubs['annotated'].publish(numpy_to_image(drawn, 'bgr8', header))
        t4 = time.perf_counter()
        self.output_rate.tick()
        self.stats.add({**job.stages, **result.timings_ms, 'handoff': (t2 - job.done) * 1e3,
                        'publish': (t4 - t3) * 1e3, 'total': (t4 - job.received) * 1e3})

    def _depth_for(self, msg, width: int, height: int):
        """Aligned depth (metres) and intrinsics for this frame, or (None, None) with a reason."""
        c = self.config
        info = self._camera_info
        intrinsics = self._intrinsics(info, width, height) if info is not None else None
        if not c.use_depth:
            return None, intrinsics
        if info is None:
            self._warn('depth', 'no CameraInfo received yet: publishing 2D only')
            return None, None
        if intrinsics is None:
            return None, None
        best = self._depth.wait_nearest(stamp_seconds(msg.header.stamp), c.sync_tolerance)
        if best is None:
            self._warn('depth', 'no depth image within sync_tolerance of the colour image: '
                                'publishing 2D only')
            return None, intrinsics
        try:
            return depth_to_metres(best, max_pixels=c.max_image_pixels), intrinsics
        except ImageConversionError as e:
            self._warn('depth', f'invalid depth image ({e}): publishing 2D only')
            return None, intrinsics

    def _intrinsics(self, info: CameraInfo, width: int, height: int
                    ) -> Optional[CameraIntrinsics]:
        """Intrinsics of this image size from CameraInfo, or None (and a warning) if unusable."""
        try:
            return CameraIntrinsics.for_image(info, width, height)
        except ValueError as e:
            self._warn('camera_info', f'unusable CameraInfo ({e}): publishing 2D only, and '
                                      'head poses from default intrinsics')
            return None

    def _warn(self, kind: str, text: str) -> None:
        """Report a problem that does not stop the frame: a throttled warning, WARN status."""
        self.warning_counts[kind] += 1
        self._warnings[kind] = (text, time.monotonic())
        self.get_logger().warning(text, throttle_duration_sec=5.0)

    # --- diagnostics -----------------------------------------------------------------------
    def _publish_diagnostics(self) -> None:
        now = time.monotonic()
        state = self.state
        status = DiagnosticStatus(name=f'{self.get_name()}: pose pipeline',
                                  hardware_id=self.get_fully_qualified_name())
        backend = self.pipeline.backend if self.pipeline else None
        summary = self.stats.summary()
        recent = {kind: text for kind, (text, at) in self._warnings.items()
                  if now - at < node_main.DIAG_HOLD_S}
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
            'hands_unassigned': str(self.unassigned_hands),
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
        elif now - self._last_error_time < node_main.DIAG_HOLD_S:
            status.level, status.message = DiagnosticStatus.ERROR, self.last_error
        elif recent:
            status.level, status.message = DiagnosticStatus.WARN, '; '.join(recent.values())
        elif self.input_rate.rate() == 0.0:
            status.level, status.message = DiagnosticStatus.WARN, 'no images received'
        else:
            status.level, status.message = DiagnosticStatus.OK, 'ok'
        self._pub_diag.publish(node_main.diagnostics(self, status))


def _listened(publisher) -> bool:
    """Return True if anyone subscribes to ``publisher``'s topic (TF listeners count)."""
    return publisher.get_subscription_count() > 0


def main(args=None) -> None:
    node_main.init(args)
    # The callbacks only store messages; the work is in the node's own threads. rclpy's
    # multi-threaded executor costs a third of the frame rate here (17 vs 25 FPS with hands
    # and head at 30 FPS input, 2 cores): its Python threads compete for the GIL.
    node_main.run(BodyNode, 'body_node', BodyConfig, SingleThreadedExecutor())


if __name__ == '__main__':
    main()
