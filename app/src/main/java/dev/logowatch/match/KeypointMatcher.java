package dev.logowatch.match;

import dev.logowatch.catalog.Brand;
import dev.logowatch.catalog.Catalog;
import dev.logowatch.config.ImagesConfig;
import dev.logowatch.config.KeypointsConfig;
import dev.logowatch.engine.Box;
import dev.logowatch.image.ImageFile;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.DMatch;
import org.bytedeco.opencv.opencv_core.DMatchVector;
import org.bytedeco.opencv.opencv_core.DMatchVectorVector;
import org.bytedeco.opencv.opencv_core.KeyPoint;
import org.bytedeco.opencv.opencv_core.KeyPointVector;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_features2d.FlannBasedMatcher;
import org.bytedeco.opencv.opencv_features2d.SIFT;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import static org.bytedeco.opencv.global.opencv_calib3d.RANSAC;
import static org.bytedeco.opencv.global.opencv_calib3d.findHomography;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC2;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.countNonZero;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * Finds catalog logos in a frame by their keypoints: SIFT keypoints of the frame are matched
 * to those of every reference image, and a reference counts as seen where a plane homography
 * (RANSAC) explains at least {@code min-inliers} of its matches. A printed logo is flat, so
 * its view under any perspective is a homography of the reference; a look-alike mark or a
 * texture that matches a few keypoints by chance is not.
 *
 * <p>The references' keypoints are computed once per catalog version, at the first frame
 * searched after the catalog changes. Searching is serialised: the matcher index is one
 * native object, and callers search one frame in several anyway.
 */
public final class KeypointMatcher {
    private static final System.Logger LOG = System.getLogger(KeypointMatcher.class.getName());
    /** Neighbours asked per frame keypoint: enough to find the nearest one of another brand. */
    private static final int NEIGHBOURS = 4;
    /** RANSAC reprojection tolerance in frame pixels. */
    private static final double REPROJECTION_PX = 5.0;

    private final KeypointsConfig config;
    private final ImagesConfig limits;
    private Index index;

    /**
     * One logo seen in a frame.
     *
     * @param brand    its brand id
     * @param box      the reference's outline projected into the frame, clipped to it, in frame pixels
     * @param inliers  keypoint matches the homography explains
     * @param matches  keypoint matches to that reference before RANSAC
     */
    public record Sighting(String brand, Box box, int inliers, int matches) {
    }

    public KeypointMatcher(KeypointsConfig config, ImagesConfig limits) {
        this.config = Objects.requireNonNull(config, "config");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    public KeypointsConfig config() {
        return config;
    }

    /**
     * Keypoints found in each of a brand's references, by brand id, for {@code catalog inspect}:
     * a plain mark (a flat shape, thin lettering) has few, and keypoints will rarely see it.
     * References too plain to be indexed at all count as 0.
     */
    public synchronized Map<String, List<Integer>> keypointsPerReference(Catalog catalog) {
        Index current = index(catalog);
        Map<String, List<Integer>> out = new TreeMap<>();
        for (Brand brand : catalog.brands()) {
            out.put(brand.id(), new ArrayList<>());
        }
        current.counts.forEach((brand, counts) -> out.computeIfAbsent(brand, b -> new ArrayList<>()).addAll(counts));
        return out;
    }

    /** The logos of {@code catalog} seen in the image, at most one per reference, strongest first. */
    public synchronized List<Sighting> find(BufferedImage image, Catalog catalog) {
        Index current = index(catalog);
        if (current.references.isEmpty()) {
            return List.of();
        }
        try (PointerScope scope = new PointerScope()) {
            double scale = Math.min(1.0, (double) config.maxSide() / Math.max(image.getWidth(), image.getHeight()));
            Mat grey = grey(image, scale);
            KeyPointVector points = new KeyPointVector();
            Mat descriptors = new Mat();
            current.sift.detectAndCompute(grey, new Mat(), points, descriptors);
            if (points.size() < config.minInliers()) {
                return List.of();
            }
            DMatchVectorVector neighbours = new DMatchVectorVector();
            current.matcher.knnMatch(descriptors, neighbours, NEIGHBOURS);

            List<List<float[]>> pairs = new ArrayList<>(current.references.size());
            for (int r = 0; r < current.references.size(); r++) {
                pairs.add(new ArrayList<>());
            }
            for (long q = 0; q < neighbours.size(); q++) {
                DMatchVector near = neighbours.get(q);
                if (near.size() == 0) {
                    continue;
                }
                DMatch best = near.get(0);
                String brand = current.references.get(best.imgIdx()).brand;
                // Lowe's ratio against the nearest keypoint of another brand: two references of one
                // brand share keypoints, and that must not make a keypoint look ambiguous.
                double rival = near.get(near.size() - 1).distance();
                for (long k = 1; k < near.size(); k++) {
                    if (!current.references.get(near.get(k).imgIdx()).brand.equals(brand)) {
                        rival = near.get(k).distance();
                        break;
                    }
                }
                if (best.distance() < config.ratio() * rival) {
                    KeyPoint framePoint = points.get(best.queryIdx());
                    float[] ref = current.references.get(best.imgIdx()).points[best.trainIdx()];
                    pairs.get(best.imgIdx()).add(new float[] {ref[0], ref[1],
                            (float) (framePoint.pt().x() / scale), (float) (framePoint.pt().y() / scale)});
                }
            }

            List<Sighting> seen = new ArrayList<>();
            for (int r = 0; r < pairs.size(); r++) {
                List<float[]> p = pairs.get(r);
                if (p.size() >= config.minInliers()) {
                    Reference ref = current.references.get(r);
                    homography(ref, p, image.getWidth(), image.getHeight()).ifPresent(seen::add);
                }
            }
            seen.sort(Comparator.comparingInt(Sighting::inliers).reversed());
            return seen;
        }
    }

    private java.util.Optional<Sighting> homography(Reference ref, List<float[]> pairs, int width, int height) {
        int n = pairs.size();
        float[] from = new float[2 * n];
        float[] to = new float[2 * n];
        for (int i = 0; i < n; i++) {
            float[] p = pairs.get(i);
            from[2 * i] = p[0];
            from[2 * i + 1] = p[1];
            to[2 * i] = p[2];
            to[2 * i + 1] = p[3];
        }
        Mat src = new Mat(n, 1, CV_32FC2, new FloatPointer(from));
        Mat dst = new Mat(n, 1, CV_32FC2, new FloatPointer(to));
        Mat mask = new Mat();
        Mat h = findHomography(src, dst, RANSAC, REPROJECTION_PX, mask, 2000, 0.995);
        if (h.empty()) {
            return java.util.Optional.empty();
        }
        int inliers = countNonZero(mask);
        if (inliers < config.minInliers()) {
            return java.util.Optional.empty();
        }
        // Read through a pointer, not an indexer: indexers use sun.misc.Unsafe, which JDK 24+ warns about.
        double[] m = new double[9];
        new DoublePointer(h.data()).get(m);
        double[][] corners = {{0, 0}, {ref.width, 0}, {ref.width, ref.height}, {0, ref.height}};
        double x1 = Double.MAX_VALUE, y1 = Double.MAX_VALUE, x2 = -Double.MAX_VALUE, y2 = -Double.MAX_VALUE;
        double[][] projected = new double[4][];
        for (int c = 0; c < 4; c++) {
            double x = corners[c][0], y = corners[c][1];
            double w = m[6] * x + m[7] * y + m[8];
            if (w <= 1e-9) {
                return java.util.Optional.empty(); // a corner behind the camera: not a view of a flat logo
            }
            double px = (m[0] * x + m[1] * y + m[2]) / w;
            double py = (m[3] * x + m[4] * y + m[5]) / w;
            projected[c] = new double[] {px, py};
            x1 = Math.min(x1, px);
            y1 = Math.min(y1, py);
            x2 = Math.max(x2, px);
            y2 = Math.max(y2, py);
        }
        if (!convex(projected)) {
            return java.util.Optional.empty(); // a twisted outline: the points fit by chance
        }
        Box box = new Box(Math.max(0, x1), Math.max(0, y1), Math.min(width, x2), Math.min(height, y2));
        if (box.width() < 8 || box.height() < 8) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Sighting(ref.brand, box, inliers, n));
    }

    /** Whether the quadrilateral turns the same way at every corner. */
    static boolean convex(double[][] q) {
        int sign = 0;
        for (int i = 0; i < 4; i++) {
            double[] a = q[i], b = q[(i + 1) % 4], c = q[(i + 2) % 4];
            double cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
            int s = cross > 0 ? 1 : cross < 0 ? -1 : 0;
            if (s == 0 || (sign != 0 && s != sign)) {
                return false;
            }
            sign = s;
        }
        return true;
    }

    private Index index(Catalog catalog) {
        if (index != null && index.version.equals(catalog.version())) {
            return index;
        }
        if (index != null) {
            index.close();
        }
        long start = System.nanoTime();
        index = new Index(catalog.version(), config);
        int keypoints = 0;
        for (Brand brand : catalog.brands()) {
            for (Path file : catalog.referenceFiles(brand.id())) {
                try {
                    BufferedImage image = ImageFile.read(file, limits);
                    keypoints += index.add(brand.id(), image, config.referenceSide());
                } catch (ImageFile.Refused e) {
                    LOG.log(System.Logger.Level.WARNING, "keypoints: reference " + file + " left out: " + e.getMessage());
                }
            }
        }
        index.train();
        LOG.log(System.Logger.Level.INFO, "keypoints of catalog {0}: {1} references, {2} keypoints, in {3} ms",
                catalog.version(), index.references.size(), keypoints, (System.nanoTime() - start) / 1_000_000);
        return index;
    }

    /** Greyscale of the image, scaled by {@code scale} (at most 1), as a native matrix. */
    static Mat grey(BufferedImage image, double scale) {
        BufferedImage bgr = image;
        if (image.getType() != BufferedImage.TYPE_3BYTE_BGR || image.getRaster().getParent() != null) {
            bgr = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
            bgr.getGraphics().drawImage(image, 0, 0, null);
        }
        byte[] pixels = ((DataBufferByte) bgr.getRaster().getDataBuffer()).getData();
        Mat colour = new Mat(bgr.getHeight(), bgr.getWidth(), CV_8UC3, new BytePointer(pixels));
        Mat grey = new Mat();
        cvtColor(colour, grey, COLOR_BGR2GRAY);
        if (scale < 1.0) {
            Mat small = new Mat();
            resize(grey, small, new Size((int) Math.round(bgr.getWidth() * scale),
                    (int) Math.round(bgr.getHeight() * scale)), 0, 0, INTER_AREA);
            return small;
        }
        return grey;
    }

    /** One reference image's keypoints, in its own pixels. */
    private record Reference(String brand, float[][] points, int width, int height) {
    }

    /** The references of one catalog version and the nearest-neighbour index over their descriptors. */
    private static final class Index {
        final String version;
        final SIFT sift;
        final FlannBasedMatcher matcher = new FlannBasedMatcher();
        final MatVector descriptors = new MatVector();
        final List<Reference> references = new ArrayList<>();
        final Map<String, List<Integer>> counts = new HashMap<>();
        private final List<Mat> kept = new ArrayList<>();

        Index(String version, KeypointsConfig config) {
            this.version = version;
            this.sift = SIFT.create(config.maxFeatures(), 3, 0.04, 10.0, 1.6, false);
        }

        /** @return the keypoints it found, 0 when the reference is too plain to be matched this way */
        int add(String brand, BufferedImage image, int side) {
            double scale = Math.min(1.0, (double) side / Math.max(image.getWidth(), image.getHeight()));
            Mat desc = new Mat();
            float[][] points;
            try (PointerScope scope = new PointerScope()) {
                Mat grey = grey(image, scale);
                KeyPointVector kps = new KeyPointVector();
                Mat d = new Mat();
                sift.detectAndCompute(grey, new Mat(), kps, d);
                points = new float[(int) kps.size()][];
                for (int i = 0; i < points.length; i++) {
                    KeyPoint k = kps.get(i);
                    points[i] = new float[] {(float) (k.pt().x() / scale), (float) (k.pt().y() / scale)};
                }
                d.copyTo(desc);
            }
            counts.computeIfAbsent(brand, b -> new ArrayList<>()).add(points.length < 4 ? 0 : points.length);
            if (points.length < 4) {
                desc.close();
                return 0;
            }
            kept.add(desc);
            descriptors.push_back(desc);
            references.add(new Reference(brand, points, image.getWidth(), image.getHeight()));
            return points.length;
        }

        void train() {
            if (!references.isEmpty()) {
                matcher.add(descriptors);
                matcher.train();
            }
        }

        void close() {
            matcher.close();
            descriptors.close();
            kept.forEach(Mat::close);
            sift.close();
        }
    }
}
