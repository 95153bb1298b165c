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

/** A PNG grid: per target, throughput (GB/s median) and sending-thread CPU (ms per GiB) by method and size. */
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
            charts.add(chart(rows, t, "GB/s", "target " + t.name() + suffix + ": throughput, median (higher is better)", false));
            charts.add(chart(rows, t, "ms/GiB", "target " + t.name() + suffix + ": sending thread CPU ms per GiB (lower is better)", true));
        }
        String name = file.toString();
        if (name.toLowerCase(Locale.ROOT).endsWith(".png")) {
            name = name.substring(0, name.length() - 4); // XChart appends the extension itself
        }
        BitmapEncoder.saveBitmap(charts, targets.size(), 2, name, BitmapEncoder.BitmapFormat.PNG);
    }

    private static CategoryChart chart(List<Comparison.Row> rows, Target target, String yTitle, String title, boolean cpu) {
        CategoryChart c = new CategoryChartBuilder().width(900).height(420).title(title)
                .xAxisTitle("bytes per transfer").yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setAvailableSpaceFill(0.9);
        c.getStyler().setDecimalPattern("#,##0.##");
        List<String> sizes = new ArrayList<>();
        Map<String, List<Double>> series = new LinkedHashMap<>();
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
            double v = r.failed() ? 0 : cpu ? r.cpuMsPerGiB() : r.gbpsMedian();
            series.computeIfAbsent(name, k -> new ArrayList<>()).add(Double.isNaN(v) ? 0 : v);
            colors.put(name, colorOf(r.contender));
        }
        if (sizes.isEmpty()) {
            sizes.add("none");
            series.put("no results", List.of(0.0));
        }
        series.forEach((name, values) -> {
            if (values.size() == sizes.size()) {
                c.addSeries(name, sizes, values).setFillColor(colors.getOrDefault(name, Color.GRAY));
            }
        });
        return c;
    }
}
