package dev.logowatch.publish;

/**
 * What a buffered message is, which decides what goes first when the disk buffer is full:
 * detections are the most numerous and the least valuable once late, appearance events the
 * analyst's source of exposure seconds, so they are kept longest.
 */
enum MessageKind {
    EVENT("events", 0),
    VERIFICATION("verifications", 1),
    DETECTION("detections", 2);

    /** Folder name under the buffer directory, and the topic's last level. */
    final String folder;
    /** Higher is dropped earlier. */
    final int dropRank;

    MessageKind(String folder, int dropRank) {
        this.folder = folder;
        this.dropRank = dropRank;
    }
}
