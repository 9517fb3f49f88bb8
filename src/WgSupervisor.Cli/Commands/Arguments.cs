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

    /// <summary>A whole number within bounds, or a parse error naming the option (exit 2).</summary>
    public static long? WholeNumber(System.CommandLine.Parsing.ArgumentResult result, string option, long minimum, long maximum)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) &&
            value >= minimum && value <= maximum)
            return value;
        var range = maximum == long.MaxValue
            ? $"{minimum.ToString(System.Globalization.CultureInfo.InvariantCulture)} or more"
            : $"from {minimum.ToString(System.Globalization.CultureInfo.InvariantCulture)} to {maximum.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        result.AddError($"{option} must be a whole number {range}, not '{text}'");
        return null;
    }

    /// <summary>A path segment, escaped (names are validated already; this keeps it so if the rules ever loosen).</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);
}
