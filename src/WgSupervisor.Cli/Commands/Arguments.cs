using System.CommandLine;
using System.Text.RegularExpressions;

namespace WgSupervisor.Cli.Commands;

/// <summary>Arguments and options shared by several commands, checked before any request is sent.</summary>
public static partial class Arguments
{
    /// <summary>The API's own rule for tunnel and site names (so that a name can never become another path).</summary>
    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();

    public static Argument<string> Name(string name, string what)
    {
        var argument = new Argument<string>(name) { Description = what };
        argument.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (value is null) return;
            if (!NamePattern().IsMatch(value) || value is "." or "..")
                result.AddError($"{name} '{value}' is not a valid name: 1-64 letters, digits, '.', '_' or '-'");
        });
        return argument;
    }

    public static Option<string?> Reason() => new("--reason")
    {
        Description = "Why (recorded in the history; at most 200 characters are kept)",
        HelpName = "TEXT",
    };

    /// <summary>A path segment, escaped (names are validated already; this keeps it so if the rules ever loosen).</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);
}
