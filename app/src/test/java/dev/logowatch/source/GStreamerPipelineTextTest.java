package dev.logowatch.source;

import dev.logowatch.config.StreamConfig.RtspTransport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GStreamerPipelineTextTest {

    @Test
    void forcesBgrInFrontOfTheAppsink() {
        String prepared = GStreamerSource.prepare(
                "nvarguscamerasrc ! video/x-raw(memory:NVMM),width=1920,height=1080 ! nvvidconv ! appsink name=sink",
                RtspTransport.TCP);

        assertThat(prepared).isEqualTo("nvarguscamerasrc ! video/x-raw(memory:NVMM),width=1920,height=1080 "
                + "! nvvidconv ! videoconvert ! video/x-raw,format=BGR ! appsink name=sink");
    }

    @Test
    void leavesAPipelineThatAlreadyEndsInBgrAlone() {
        String pipeline = "filesrc location=/v/a.mp4 ! qtdemux ! h264parse ! avdec_h264 ! videoconvert "
                + "! video/x-raw, format=(string)BGR ! appsink sync=false";

        assertThat(GStreamerSource.prepare(pipeline, RtspTransport.TCP)).isEqualTo(pipeline);
    }

    @Test
    void bgrxIsNotBgr() {
        assertThat(GStreamerSource.prepare("videotestsrc ! video/x-raw,format=BGRx ! appsink", RtspTransport.TCP))
                .endsWith("video/x-raw,format=BGRx ! videoconvert ! video/x-raw,format=BGR ! appsink");
    }

    @Test
    void givesRtspsrcTheStreamsTransport() {
        String pipeline = "rtspsrc location=rtsp://u:p@cam/rtspsrc latency=100 ! rtph264depay ! avdec_h264 "
                + "! videoconvert ! video/x-raw,format=BGR ! appsink name=sink";

        assertThat(GStreamerSource.prepare(pipeline, RtspTransport.UDP))
                .startsWith("rtspsrc protocols=udp location=rtsp://u:p@cam/rtspsrc latency=100 ! ");
        assertThat(GStreamerSource.prepare(pipeline.replace("latency=100", "latency=100 protocols=udp"),
                RtspTransport.TCP)).doesNotContain("protocols=tcp");
    }

    @Test
    void quotedExclamationMarksAreNotLinks() {
        String pipeline = "filesrc location=\"/v/wow!.mp4\" ! decodebin ! videoconvert ! video/x-raw,format=BGR ! appsink";

        assertThat(GStreamerSource.prepare(pipeline, RtspTransport.TCP)).isEqualTo(pipeline);
    }

    @Test
    void refusesAPipelineWithoutAppsink() {
        assertThatThrownBy(() -> GStreamerSource.prepare("videotestsrc ! autovideosink", RtspTransport.TCP))
                .isInstanceOf(SourceException.class)
                .hasMessageContaining("appsink");
    }
}
