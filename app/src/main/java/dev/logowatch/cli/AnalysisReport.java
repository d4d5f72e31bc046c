package dev.logowatch.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What {@code analyze} gives the analyst to look at: {@code report.html}, one self-contained
 * page (styles, the timeline as SVG and the best frames as data URIs; nothing is fetched, so
 * it opens from a mail attachment or a USB stick), and {@code appearances.csv} for a
 * spreadsheet. Written by hand: a page this small needs no template engine, and a CSV writer
 * library would only quote the same seven columns.
 */
final class AnalysisReport {
    /** One ended appearance; times in seconds from the start of the video. */
    record Row(String id, String brand, double startS, double endS, double visibleS, double bestSimilarity,
               String verification) {
    }

    /** A brand's totals, and its best frame with its box drawn, as JPEG. */
    record BrandTotal(String brand, double visibleS, int appearances, double firstS, double lastS,
                      Optional<byte[]> bestFrameJpeg) {
    }

    /**
     * @param video     the file analysed, as the analyst named it
     * @param analysedS seconds of video read: what the shares of screen time are of
     * @param note      empty for a complete video, else how far it was read
     */
    record Summary(String video, double analysedS, Optional<String> note) {
    }

    private static final String[] PALETTE = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
        "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};

    private AnalysisReport() {
    }

    static void writeCsv(Path file, List<Row> rows) throws IOException {
        StringBuilder csv = new StringBuilder("id,brand,start_s,end_s,visible_s,best_similarity,verification\r\n");
        for (Row r : rows) {
            csv.append(String.join(",", field(r.id()), field(r.brand()), number(r.startS()), number(r.endS()),
                    number(r.visibleS()), String.format(Locale.ROOT, "%.4f", r.bestSimilarity()), field(r.verification())))
                    .append("\r\n");
        }
        Files.writeString(file, csv.toString(), StandardCharsets.UTF_8);
    }

    /** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
    static String field(String value) {
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }

    private static String number(double seconds) {
        return String.format(Locale.ROOT, "%.2f", seconds);
    }

    static void writeHtml(Path file, Summary summary, List<BrandTotal> brands, List<Row> rows) throws IOException {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>Logo exposure: ").append(escape(summary.video())).append("</title><style>")
                .append("body{font:15px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1100px;padding:0 1em;color:#222}")
                .append("h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}")
                .append("table{border-collapse:collapse;width:100%}th,td{padding:.3em .6em;border-bottom:1px solid #ddd;")
                .append("text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}")
                .append(".bar{display:inline-block;height:.8em;vertical-align:middle;margin-right:.4em}")
                .append(".note{background:#fff3cd;border:1px solid #e0c36a;padding:.6em}")
                .append(".frames{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:1em}")
                .append("figure{margin:0}figure img{width:100%;height:auto;border:1px solid #ccc}")
                .append("svg text{font:12px system-ui,sans-serif}</style></head><body>\n");
        h.append("<h1>Logo exposure in ").append(escape(summary.video())).append("</h1>\n<p>")
                .append(String.format(Locale.ROOT, "%.1f s of video analysed; %d brand(s), %d appearance(s).",
                        summary.analysedS(), brands.size(), rows.size())).append("</p>\n");
        summary.note().ifPresent(n -> h.append("<p class=\"note\">Incomplete: ").append(escape(n))
                .append("; the figures cover only what was read.</p>\n"));

        h.append("<h2>Totals</h2>\n<table id=\"totals\"><thead><tr><th>brand</th><th class=\"n\">visible s</th>")
                .append("<th>share of screen time</th><th class=\"n\">appearances</th><th class=\"n\">first s</th>")
                .append("<th class=\"n\">last s</th></tr></thead><tbody>\n");
        for (int i = 0; i < brands.size(); i++) {
            BrandTotal b = brands.get(i);
            double share = summary.analysedS() > 0 ? Math.min(1, b.visibleS() / summary.analysedS()) : 0;
            h.append("<tr data-brand=\"").append(escape(b.brand())).append("\"><td>").append(escape(b.brand()))
                    .append("</td><td class=\"n\">").append(String.format(Locale.ROOT, "%.1f", b.visibleS()))
                    .append("</td><td><span class=\"bar\" style=\"width:").append(String.format(Locale.ROOT, "%.1f", share * 200))
                    .append("px;background:").append(colour(i)).append("\"></span>")
                    .append(String.format(Locale.ROOT, "%.1f %%", share * 100)).append("</td><td class=\"n\">")
                    .append(b.appearances()).append("</td><td class=\"n\">").append(String.format(Locale.ROOT, "%.1f", b.firstS()))
                    .append("</td><td class=\"n\">").append(String.format(Locale.ROOT, "%.1f", b.lastS()))
                    .append("</td></tr>\n");
        }
        h.append("</tbody></table>\n");

        h.append("<h2>When each brand was visible</h2>\n<p>Each bar spans one appearance, from its first to its last "
                + "sighting; the visible seconds leave out the moments in between when it was hidden.</p>\n").append(timeline(summary.analysedS(), brands, rows));

        if (brands.stream().anyMatch(b -> b.bestFrameJpeg().isPresent())) {
            h.append("<h2>Best frame of each brand</h2>\n<div class=\"frames\">\n");
            for (BrandTotal b : brands) {
                b.bestFrameJpeg().ifPresent(jpeg -> h.append("<figure><img alt=\"best frame of ").append(escape(b.brand()))
                        .append("\" src=\"data:image/jpeg;base64,").append(Base64.getEncoder().encodeToString(jpeg))
                        .append("\"><figcaption>").append(escape(b.brand())).append("</figcaption></figure>\n"));
            }
            h.append("</div>\n");
        }

        h.append("<h2>Appearances</h2>\n<table id=\"appearances\"><thead><tr><th>brand</th><th class=\"n\">start s</th>")
                .append("<th class=\"n\">end s</th><th class=\"n\">visible s</th><th class=\"n\">best similarity</th>")
                .append("<th>verification</th></tr></thead><tbody>\n");
        for (Row r : rows) {
            h.append("<tr><td>").append(escape(r.brand())).append("</td><td class=\"n\">").append(number(r.startS()))
                    .append("</td><td class=\"n\">").append(number(r.endS())).append("</td><td class=\"n\">")
                    .append(number(r.visibleS())).append("</td><td class=\"n\">")
                    .append(String.format(Locale.ROOT, "%.3f", r.bestSimilarity())).append("</td><td>")
                    .append(escape(r.verification())).append("</td></tr>\n");
        }
        h.append("</tbody></table>\n<p>The same rows: <code>appearances.csv</code>; all figures: ")
                .append("<code>exposure.json</code>.</p>\n</body></html>\n");
        Files.writeString(file, h.toString(), StandardCharsets.UTF_8);
    }

    /** One lane per brand over the analysed time, a bar per appearance. */
    private static String timeline(double lengthS, List<BrandTotal> brands, List<Row> rows) {
        int label = 160;
        int width = 1000;
        int lane = 26;
        int height = brands.size() * lane + 30;
        double span = Math.max(lengthS, rows.stream().mapToDouble(Row::endS).max().orElse(0));
        int right = 30; // room for the last tick's label
        double scale = span > 0 ? (width - label - right) / span : 0;
        StringBuilder s = new StringBuilder("<svg id=\"timeline\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" width=\"100%\" role=\"img\" aria-label=\"exposure timeline\">\n");
        for (int i = 0; i < brands.size(); i++) {
            String brand = brands.get(i).brand();
            int y = i * lane;
            s.append("<text x=\"0\" y=\"").append(y + 17).append("\">").append(escape(brand)).append("</text>")
                    .append("<rect x=\"").append(label).append("\" y=\"").append(y + 4).append("\" width=\"")
                    .append(width - label - right).append("\" height=\"").append(lane - 8).append("\" fill=\"#f2f2f2\"/>\n");
            for (Row r : rows) {
                if (r.brand().equals(brand)) {
                    double x = label + r.startS() * scale;
                    double w = Math.max(2, (r.endS() - r.startS()) * scale);
                    s.append(String.format(Locale.ROOT,
                            "<rect class=\"appearance\" data-brand=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                                    + "fill=\"%s\"><title>%s %.1f–%.1f s</title></rect>%n",
                            escape(brand), x, y + 4, w, lane - 8, colour(i), escape(brand), r.startS(), r.endS()));
                }
            }
        }
        int axis = brands.size() * lane + 18;
        int ticks = 5;
        for (int t = 0; t <= ticks; t++) {
            double seconds = span * t / ticks;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f s</text>%n",
                    label + seconds * scale, axis + 8, seconds));
        }
        return s.append("</svg>\n").toString();
    }

    private static String colour(int i) {
        return PALETTE[i % PALETTE.length];
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
