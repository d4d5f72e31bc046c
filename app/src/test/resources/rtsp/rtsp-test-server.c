/*
 * A tiny RTSP server for the source integration tests: serves a live H.264 test pattern
 * at rtsp://127.0.0.1:<port>/test until killed. Prints "READY <port>" once it listens,
 * so the test knows when to connect.
 *
 * Build: gcc rtsp-test-server.c -o rtsp-test-server $(pkg-config --cflags --libs gstreamer-rtsp-server-1.0)
 * Run:   rtsp-test-server <port>
 */
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char *argv[]) {
    gst_init(&argc, &argv);
    if (argc != 2) {
        fprintf(stderr, "usage: %s <port>\n", argv[0]);
        return 2;
    }
    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    GstRTSPServer *server = gst_rtsp_server_new();
    gst_rtsp_server_set_address(server, "127.0.0.1");
    gst_rtsp_server_set_service(server, argv[1]);

    GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
    /* Small frames and a key frame every second so a client that reconnects decodes at once. */
    gst_rtsp_media_factory_set_launch(factory,
        "( videotestsrc is-live=true pattern=ball "
        "! video/x-raw,width=320,height=240,framerate=15/1 "
        "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 "
        "! rtph264pay name=pay0 pt=96 config-interval=1 )");
    gst_rtsp_media_factory_set_shared(factory, TRUE);

    GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
    gst_rtsp_mount_points_add_factory(mounts, "/test", factory);
    g_object_unref(mounts);

    if (gst_rtsp_server_attach(server, NULL) == 0) {
        fprintf(stderr, "cannot listen on 127.0.0.1:%s\n", argv[1]);
        return 1;
    }
    printf("READY %s\n", argv[1]);
    fflush(stdout);
    g_main_loop_run(loop);
    return 0;
}
