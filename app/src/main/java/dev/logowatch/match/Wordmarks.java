package dev.logowatch.match;

import dev.logowatch.catalog.Brand;
import dev.logowatch.catalog.Catalog;
import dev.logowatch.config.ImagesConfig;
import dev.logowatch.config.TextConfig;
import dev.logowatch.engine.BgrImage;
import dev.logowatch.engine.Box;
import dev.logowatch.image.ImageFile;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The catalog's written marks: brands at least half of whose references, each read as a
 * whole, spell one of the brand's names. Such a mark is its lettering, so a region that looks
 * like it but is read as nothing legible is most likely other lettering, a sign or a pattern.
 * Half, not all: one reference in five of a real wordmark is often too small, curved or
 * stylised to read (LogoDet's Rolex, Gap, Bulgari), while a brand whose references are mostly
 * symbols is not one. Learnt once per catalog version from the reference files, as the catalog
 * is put in force (or, failing that, on first use).
 */
public final class Wordmarks {
    private static final System.Logger LOG = System.getLogger(Wordmarks.class.getName());

    private final TextReader reader;
    private final TextConfig config;
    private final ImagesConfig limits;
    // The two catalog versions learnt last (the one in force and the one replacing it), read
    // without a lock so that frames never wait while a new catalog is learnt.
    private volatile Learnt latest = new Learnt(null, Set.of());
    private volatile Learnt previous = new Learnt(null, Set.of());

    private record Learnt(String version, Set<String> brands) {
    }

    public Wordmarks(TextReader reader, TextConfig config, ImagesConfig limits) {
        this.reader = reader;
        this.config = config;
        this.limits = limits;
    }

    /** Whether {@code brandId} is a written mark in {@code catalog}; learnt here if it was not yet. */
    public boolean written(Catalog catalog, String brandId) {
        return known(catalog.version()).orElseGet(() -> learn(catalog)).contains(brandId);
    }

    private Optional<Set<String>> known(String version) {
        Learnt a = latest;
        Learnt b = previous;
        return version.equals(a.version()) ? Optional.of(a.brands())
                : version.equals(b.version()) ? Optional.of(b.brands()) : Optional.empty();
    }

    /**
     * Reads {@code catalog}'s references, unless that version was learnt already: called as a
     * catalog is put in force, so that no frame waits for it.
     */
    public synchronized Set<String> learn(Catalog catalog) {
        Optional<Set<String>> learnt = known(catalog.version());
        if (learnt.isPresent()) {
            return learnt.get();
        }
        long start = System.nanoTime();
        Set<String> written = new TreeSet<>();
        int references = 0;
        for (Brand brand : catalog.brands()) {
            int read = 0;
            int spelled = 0;
            for (Path file : catalog.referenceFiles(brand.id())) {
                BufferedImage image;
                try {
                    image = ImageFile.read(file, limits);
                } catch (ImageFile.Refused e) {
                    continue; // the catalog loader has already said why
                }
                TextReader.Reading r = reader.read(BgrImage.of(image),
                        List.of(new Box(0, 0, image.getWidth(), image.getHeight()))).getFirst();
                read++;
                if (r.confidence() >= config.minConfidence()
                        && Spelling.agreement(r.text(), brand.wordmarks()) >= config.minAgreement()) {
                    spelled++;
                }
            }
            references += read;
            if (read > 0 && 2 * spelled >= read) {
                written.add(brand.id());
            }
        }
        LOG.log(System.Logger.Level.INFO, "text: catalog {0}: {1} of {2} brands are written marks (half or more of "
                + "their references read as the name) {3}; {4} references read in {5} ms", catalog.version(),
                written.size(), catalog.size(), written, references, (System.nanoTime() - start) / 1_000_000);
        previous = latest;
        latest = new Learnt(catalog.version(), Set.copyOf(written));
        return latest.brands();
    }
}
