package dev.zerocopy.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import java.awt.Color;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * A PNG grid: per target, throughput (GB/s median, error bars the 95% interval's larger half) and
 * CPU (sending + receiving thread ms per GiB, median) by method and size; where both veth links
 * ran, a last row contrasts scatter-gather on and off per method at the largest size.
 */
final class Chart {
    /** One colour per contender, the same in every panel: the library's paths cool, NIO's warm. */
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0x17becf), new Color(0x2ca02c), new Color(0x9467bd), new Color(0x7f7f7f),
        new Color(0x393b79), new Color(0xd62728), new Color(0xff7f0e), new Color(0xe377c2), new Color(0x8c564b),
        new Color(0xbcbd22), new Color(0x637939)};

    private Chart() {
    }

    private static Color colorOf(Contender c) {
        List<String> ids = new ArrayList<>(Contenders.all().keySet());
        int i = ids.indexOf(c.id());
        if (i < 0) {
            i = ids.size() + Math.floorMod(c.id().hashCode(), 3);
        }
        return PALETTE[i % PALETTE.length];
    }

    static void writePng(List<Comparison.Row> rows, List<Target> targets, Path file) throws IOException {
        List<CategoryChart> charts = new ArrayList<>();
        for (Target t : targets) {
            String suffix = t.copies() ? "" : " (NOTHING IS COPIED)";
            charts.add(chart(rows, t, "GB/s", t.label() + suffix + ": GB/s, median; bar: the 95% interval's width (higher is better)", false));
            charts.add(chart(rows, t, "ms/GiB", t.label() + suffix + ": sender + receiver thread CPU ms/GiB (lower is better)", true));
        }
        List<CategoryChart> sg = sgPanel(rows);
        charts.addAll(sg);
        int panels = targets.size() + (sg.isEmpty() ? 0 : 1);
        String name = file.toString();
        if (name.toLowerCase(Locale.ROOT).endsWith(".png")) {
            name = name.substring(0, name.length() - 4); // XChart appends the extension itself
        }
        BitmapEncoder.saveBitmap(charts, panels, 2, name, BitmapEncoder.BitmapFormat.PNG);
    }

    private static CategoryChart chart(List<Comparison.Row> rows, Target target, String yTitle, String title, boolean cpu) {
        CategoryChart c = new CategoryChartBuilder().width(900).height(420).title(title)
                .xAxisTitle("bytes per transfer").yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setAvailableSpaceFill(0.9);
        c.getStyler().setDecimalPattern("#,##0.##");
        c.getStyler().setYAxisMin(0.0);
        List<String> sizes = new ArrayList<>();
        Map<String, List<Double>> series = new LinkedHashMap<>();
        Map<String, List<Double>> errors = new LinkedHashMap<>();
        Map<String, Color> colors = new LinkedHashMap<>();
        for (Comparison.Row r : rows) {
            if (r.target != target) {
                continue;
            }
            String size = Sizes.format(r.size);
            if (!sizes.contains(size)) {
                sizes.add(size);
            }
            String name = (r.contender.family().equals("nio") ? "" : "native ") + r.contender.label();
            double v = r.failed() ? 0 : cpu ? r.threadsMsPerGiB() : r.gbpsMedian();
            series.computeIfAbsent(name, k -> new ArrayList<>()).add(Double.isNaN(v) ? 0 : v);
            errors.computeIfAbsent(name, k -> new ArrayList<>()).add(cpu || r.failed() ? 0 : halfInterval(r));
            colors.put(name, colorOf(r.contender));
        }
        if (sizes.isEmpty()) {
            sizes.add("none");
            series.put("no results", List.of(0.0));
        }
        series.forEach((name, values) -> {
            if (values.size() == sizes.size()) {
                (cpu ? c.addSeries(name, sizes, values) : c.addSeries(name, sizes, values, errors.get(name)))
                        .setFillColor(colors.getOrDefault(name, Color.GRAY));
            }
        });
        return c;
    }

    /**
     * Half the width of the median's 95% interval (0 when undefined). XChart draws symmetric bars
     * around the median, so a bar is as long as the interval but not placed on it where the
     * interval is skewed; the y axis starts at 0.
     */
    private static double halfInterval(Comparison.Row r) {
        Statistics.Interval ci = r.gbpsInterval();
        return ci.defined() ? (ci.high() - ci.low()) / 2 : 0;
    }

    /** GB/s and CPU per method over veth-sg vs veth-nosg at the largest size, or nothing without both links. */
    private static List<CategoryChart> sgPanel(List<Comparison.Row> rows) {
        long largest = rows.stream().filter(r -> r.target.link() != null && r.target.link().startsWith("veth"))
                .mapToLong(r -> r.size).max().orElse(-1);
        List<CategoryChart> out = new ArrayList<>();
        for (boolean cpu : new boolean[] {false, true}) {
            CategoryChart c = new CategoryChartBuilder().width(900).height(420)
                    .title("scatter-gather on vs off (veth, " + (largest < 0 ? "" : Sizes.format(largest)) + " per transfer): "
                            + (cpu ? "sender + receiver CPU ms/GiB" : "GB/s, median; bar: the 95% interval's width"))
                    .xAxisTitle("method").yAxisTitle(cpu ? "ms/GiB" : "GB/s").build();
            c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
            c.getStyler().setDecimalPattern("#,##0.##");
            c.getStyler().setYAxisMin(0.0);
            c.getStyler().setXAxisLabelRotation(45);
            List<String> methods = new ArrayList<>();
            for (Comparison.Row r : rows) {
                if (r.size == largest && "veth-sg".equals(r.target.link()) && !r.failed() && !methods.contains(r.contender.id())) {
                    methods.add(r.contender.id());
                }
            }
            for (String link : List.of("veth-sg", "veth-nosg")) {
                List<Double> v = new ArrayList<>();
                List<Double> e = new ArrayList<>();
                for (String m : methods) {
                    Comparison.Row r = rows.stream().filter(x -> x.size == largest && link.equals(x.target.link())
                            && x.contender.id().equals(m)).findFirst().orElse(null);
                    double y = r == null || r.failed() ? 0 : cpu ? r.threadsMsPerGiB() : r.gbpsMedian();
                    v.add(Double.isNaN(y) ? 0 : y);
                    e.add(r == null || r.failed() || cpu ? 0 : halfInterval(r));
                }
                if (!methods.isEmpty()) {
                    String name = link.equals("veth-sg") ? "SG on (2.4 gather)" : "SG off (copy at GSO)";
                    (cpu ? c.addSeries(name, methods, v) : c.addSeries(name, methods, v, e))
                            .setFillColor(link.equals("veth-sg") ? new Color(0x2ca02c) : new Color(0xd62728));
                }
            }
            if (!methods.isEmpty()) {
                out.add(c);
            }
        }
        return out;
    }
}
