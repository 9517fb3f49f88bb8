using Spectre.Console;

namespace WgSupervisor.Cli;

/// <summary>
/// Where wgsup writes: results to <see cref="Out"/> (through Spectre for tables, raw for --json), errors to
/// <see cref="Error"/>. Tests hand in string writers; the real console decides colour and live redraw by itself.
/// </summary>
public sealed class CliConsole
{
    private CliConsole(TextWriter output, TextWriter error, bool interactive, IAnsiConsole ansi)
    {
        Out = output;
        Error = error;
        Interactive = interactive;
        Ansi = ansi;
    }

    public TextWriter Out { get; }
    public TextWriter Error { get; }

    /// <summary>A terminal that can redraw in place (watch's live table); otherwise watch prints one line per change.</summary>
    public bool Interactive { get; }

    public IAnsiConsole Ansi { get; }

    /// <summary>The process's console: colour and redraw only on a terminal, and never with NO_COLOR set (https://no-color.org).</summary>
    public static CliConsole FromSystem(Func<string, string?> environment)
    {
        var terminal = !Console.IsOutputRedirected;
        var colour = terminal && string.IsNullOrEmpty(environment("NO_COLOR"));
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        // Piped output has no window to measure: wide enough for the status table, or what COLUMNS says.
        if (!terminal) ansi.Profile.Width = int.TryParse(environment("COLUMNS"), out var columns) && columns is > 20 and < 1000 ? columns : 160;
        return new CliConsole(Console.Out, Console.Error, terminal && ansi.Profile.Capabilities.Ansi, ansi);
    }

    /// <summary>A console over writers (tests): no colour; <paramref name="interactive"/> turns on ANSI redraw as on a terminal.</summary>
    public static CliConsole ForWriters(TextWriter output, TextWriter error, bool interactive = false, int width = 160)
    {
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = interactive ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        ansi.Profile.Width = width;
        return new CliConsole(output, error, interactive, ansi);
    }
}
