// Apache Jena's SHACL engine over many data files in one JVM, for tests/validation/test_reference_engines.py.
//
// The `shacl validate` command starts a JVM per data file (about 4 s each); this loads the shapes once
// and validates every file a job list names, so the three-engine comparison costs one start-up.
//
// Usage: java -cp CLASSES:DIR/xfix:DIR/cp/* ShaclBatch JOBS SHAPES.ttl [SHAPES.ttl ...]
//   JOBS: one job a line, "DATA<TAB>REPORT": DATA is read (syntax from its extension) and validated
//   against all SHAPES files merged into one graph; the sh:ValidationReport is written to REPORT as
//   N-Triples. A data file Jena cannot read or validate gets REPORT.error with the reason instead, and
//   the batch goes on. Exit 0 when every job ran, 1 when any wrote an .error, 2 on bad usage or shapes.
// Written against Jena 4.5 (Debian's libapache-jena-java).

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

import org.apache.jena.graph.Graph;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;
import org.apache.jena.sparql.graph.GraphFactory;

public final class ShaclBatch {
    private ShaclBatch() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: ShaclBatch JOBS SHAPES.ttl [SHAPES.ttl ...]");
            System.exit(2);
        }
        Shapes shapes;
        try {
            Graph shapesGraph = GraphFactory.createDefaultGraph();
            for (int i = 1; i < args.length; i++) {
                RDFDataMgr.read(shapesGraph, args[i]);
            }
            shapes = Shapes.parse(shapesGraph);
        } catch (RuntimeException e) {
            System.err.println("cannot load the shapes: " + e);
            System.exit(2);
            return;
        }
        ShaclValidator validator = ShaclValidator.get();
        List<String> jobs = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
        int done = 0;
        int failed = 0;
        for (String job : jobs) {
            if (job.isBlank()) {
                continue;
            }
            String[] parts = job.split("\t", 2);
            if (parts.length != 2) {
                System.err.println("bad job line (want DATA<TAB>REPORT): " + job);
                System.exit(2);
            }
            Path report = Paths.get(parts[1]);
            Files.deleteIfExists(Paths.get(parts[1] + ".error"));
            try {
                Graph data = RDFDataMgr.loadGraph(parts[0]);
                ValidationReport result = validator.validate(shapes, data);
                try (OutputStream out = Files.newOutputStream(report)) {
                    RDFDataMgr.write(out, result.getGraph(), Lang.NTRIPLES);
                }
                done++;
            } catch (RuntimeException e) {
                Files.writeString(Paths.get(parts[1] + ".error"), e.toString(), StandardCharsets.UTF_8);
                failed++;
            }
        }
        System.err.println("ShaclBatch: " + done + " validated, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
