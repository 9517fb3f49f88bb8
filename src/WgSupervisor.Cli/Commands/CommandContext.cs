using System.CommandLine;
using Spectre.Console;
using WgSupervisor.Cli.Api;

namespace WgSupervisor.Cli.Commands;

/// <summary>The options every command takes (before or after the command name).</summary>
public sealed class GlobalOptions
{
    public Option<string?> Url { get; } = new("--url")
    {
        Description = $"Admin endpoint [default: ${ClientSettings.UrlVariable}, else {ClientSettings.DefaultUrl}]",
        HelpName = "URL",
        Recursive = true,
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = $"Admin token (or the read token, for reads) [default: ${ClientSettings.TokenVariable}]; " +
                      "prefer --token-file or the variable, a command line is visible to other users",
        HelpName = "TOKEN",
        Recursive = true,
    };

    public Option<string?> TokenFile { get; } = new("--token-file")
    {
        Description = "Read the token from this file",
        HelpName = "PATH",
        Recursive = true,
    };

    public Option<string?> CaFile { get; } = new("--ca-file")
    {
        Description = $"Trust only the CA certificates in this PEM file for an https:// URL (a private CA) [default: ${ClientSettings.CaFileVariable}]",
        HelpName = "PATH",
        Recursive = true,
    };

    public Option<string?> Operator { get; } = new("--operator")
    {
        Description = "Your name, recorded with commands as who asked (letters, digits, . _ - @)",
        HelpName = "NAME",
        Recursive = true,
    };

    public Option<double?> Timeout { get; } = new("--timeout")
    {
        Description = $"Seconds to wait for an answer [default: {ClientSettings.DefaultTimeoutSeconds}]",
        HelpName = "SECONDS",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the API's JSON answer unchanged (for scripts)",
        Recursive = true,
    };

    public IEnumerable<Option> All => [Url, Token, TokenFile, CaFile, Operator, Timeout, Json];
}

/// <summary>What a command's handler gets: its parse result, the console, and the settings resolved from options and environment.</summary>
public sealed class CommandContext(ParseResult parse, GlobalOptions options, CliConsole console, Func<string, string?> environment)
{
    private ClientSettings? _settings;

    public ParseResult Parse { get; } = parse;
    public CliConsole Console { get; } = console;
    public IAnsiConsole Out => Console.Ansi;
    public bool Json => Parse.GetValue(options.Json);

    /// <summary>Resolved on first use, so that a bad --url is a usage error of this command (exit 2).</summary>
    public ClientSettings Settings => _settings ??= ClientSettings.Resolve(
        Parse.GetValue(options.Url), Parse.GetValue(options.Token), Parse.GetValue(options.TokenFile),
        Parse.GetValue(options.Operator), Parse.GetValue(options.Timeout), environment, Parse.GetValue(options.CaFile));

    public AdminClient CreateClient() => new(Settings);

    /// <summary>The API's answer as it came, one document per line end.</summary>
    public void WriteRaw(string body)
    {
        Console.Out.Write(body);
        if (!body.EndsWith('\n')) Console.Out.WriteLine();
        Console.Out.Flush();
    }

    public void WriteLine(string text)
    {
        Console.Out.WriteLine(text);
        Console.Out.Flush();
    }
}
