using System.Text.RegularExpressions;

namespace WgSupervisor.Integration.Tests.Support;

/// <summary>How README shows a command: an indented code line, a line of a fenced sh/bash block, or a code span in prose.</summary>
public enum ReadmeCommandForm
{
    Indented,
    Fenced,
    Inline,
}

/// <summary>One command README shows, exactly as written (an indented line's continuation lines joined with one space).</summary>
public sealed record ReadmeCommand(string Text, int Line, ReadmeCommandForm Form)
{
    public override string ToString() => $"README.md:{Line} ({Form}): {Text}";
}

/// <summary>
/// Finds every command README.md shows: each line of an indented (4-space) code block, each line of a fenced block marked
/// sh, bash, shell or console, and each code span in prose that starts with a program a user types (bash, dotnet, curl, ...)
/// and has an argument. Prose spans that start with wg, wg-quick or ip describe what the supervisor itself runs, not what
/// the user types, and are left out.
/// </summary>
public static partial class ReadmeCommands
{
    private static readonly HashSet<string> ShellFences = ["sh", "bash", "shell", "console"];

    /// <summary>The first words of a code span that make it a command the user is meant to type.</summary>
    private static readonly HashSet<string> CommandWords =
    [
        "bash", "sh", "sudo", "dotnet", "wgsupervisor", "wgsup", "curl", "apt-get", "apt", "dpkg", "systemctl", "docker", "export",
        "printf", "openssl", "editor", "git", "journalctl",
    ];

    public static IReadOnlyList<ReadmeCommand> Parse(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        var commands = new List<ReadmeCommand>();
        var paragraph = new List<(int Line, string Text)>();
        string? fence = null;
        var previousBlank = true;
        var inIndentedBlock = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var number = i + 1;
            if (fence is not null)
            {
                if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) fence = null;
                else if (ShellFences.Contains(fence) && line.Trim().Length > 0) commands.Add(new ReadmeCommand(line.Trim(), number, ReadmeCommandForm.Fenced));
                continue;
            }
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                AddInline(paragraph, commands);
                fence = line.Trim()[3..].Trim().ToLowerInvariant();
                previousBlank = false;
                continue;
            }
            var isBlank = line.Trim().Length == 0;
            var isIndented = line.StartsWith("    ", StringComparison.Ordinal) && !isBlank;
            // An indented code block cannot interrupt a paragraph: it starts after a blank line and runs until prose.
            if (isIndented && (previousBlank || inIndentedBlock))
            {
                AddInline(paragraph, commands);
                inIndentedBlock = true;
                var code = line[4..].TrimEnd();
                if (code.Length > 0 && char.IsWhiteSpace(code[0]) && commands.Count > 0 && commands[^1].Form == ReadmeCommandForm.Indented)
                    commands[^1] = commands[^1] with { Text = commands[^1].Text + " " + code.Trim() };
                else
                    commands.Add(new ReadmeCommand(code, number, ReadmeCommandForm.Indented));
                previousBlank = false;
                continue;
            }
            if (isBlank)
            {
                AddInline(paragraph, commands);
                previousBlank = true;
                continue;
            }
            inIndentedBlock = false;
            previousBlank = false;
            paragraph.Add((number, line));
        }
        AddInline(paragraph, commands);
        return commands;
    }

    /// <summary>The code spans of one paragraph (a span may run over a line break) that are commands.</summary>
    private static void AddInline(List<(int Line, string Text)> paragraph, List<ReadmeCommand> commands)
    {
        if (paragraph.Count == 0) return;
        var text = string.Join("\n", paragraph.Select(p => p.Text));
        foreach (Match span in CodeSpan().Matches(text))
        {
            var code = Regex.Replace(span.Groups[1].Value, @"\s*\n\s*", " ").Trim();
            var words = code.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2 || !IsProgram(words[0])) continue;
            var line = paragraph[0].Line + text[..span.Index].Count(c => c == '\n');
            commands.Add(new ReadmeCommand(code, line, ReadmeCommandForm.Inline));
        }
        paragraph.Clear();
    }

    private static bool IsProgram(string word) =>
        CommandWords.Contains(word) || word.StartsWith("scripts/", StringComparison.Ordinal) || word.StartsWith("packaging/", StringComparison.Ordinal)
        || word.StartsWith("./", StringComparison.Ordinal);

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();
}
