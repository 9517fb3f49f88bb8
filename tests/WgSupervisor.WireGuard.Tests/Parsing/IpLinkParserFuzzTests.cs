using System.Diagnostics;
using System.Text;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.WireGuard.Parsing;
using WgSupervisor.WireGuard.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace WgSupervisor.WireGuard.Tests.Parsing;

/// <summary>
/// Fuzzing of the `ip -o link show` parser: for each seed, 12,000 inputs — mutations of the captured output
/// and of generated link lists (fields cut, swapped, replaced by junk, keys, unicode and control characters,
/// lines dropped, doubled, split, very long) and random bytes. Every parse must end quickly and either return
/// well-formed interface names or throw <see cref="WireGuardParseException"/> naming a line of the input;
/// neither a name nor a message may carry anything shaped like a WireGuard key (the inputs plant private keys).
/// "Quickly" is under 2 s for the fastest of up to three parses of the input (<see cref="ParseTiming"/>).
/// The seed and the iteration are in every failure message: a failure replays with the same seed.
/// </summary>
public sealed class IpLinkParserFuzzTests(ITestOutputHelper output)
{
    private const int InputsPerSeed = 12_000;
    private static readonly TimeSpan WholeRunLimit = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan OneParseLimit = TimeSpan.FromSeconds(2);

    private static readonly string Captured = Fixture.Read("ip-o-link-show.txt");
    private static readonly string[] Secrets = Fixture.NonEmptyLines("private-keys-in-dump.txt");

    private static readonly string[] JunkFields =
    [
        "", " ", "0", "-1", "99999999999", "2147483648", "x", "lo", "wg0", "wg0@if7", "@if9", "@", ":", "::", "a/b",
        "sixteen-chars-xx", "fifteen-chars-x", "<UP>", "<POINTOPOINT,NOARP,UP,LOWER_UP>", "mtu 1420", "\\", "\\    link/none",
        "é", "中", "😀", "\ud800", "\u202e", "\u200b", "\ufeff", "\u2028", "\u0085", "\u00a0", "\u0000", "\u001b[2J", "\t", "\r",
    ];

    [Theory]
    [InlineData(5)]
    [InlineData(20261129)]
    public async Task Ip_link_parser_survives_12000_random_and_mutated_outputs(int seed)
    {
        var work = Task.Run(() => Run(seed));
        var outcome = await work.WaitAsync(WholeRunLimit);

        output.WriteLine($"ip link seed {seed}: {outcome.Parsed} parsed, {outcome.Rejected} rejected, slowest parse {outcome.Slowest.TotalMilliseconds:0.0} ms");
        Assert.Equal(InputsPerSeed, outcome.Parsed + outcome.Rejected);
        // Both sides of the parser were exercised, not only its first line check.
        Assert.True(outcome.Parsed >= InputsPerSeed / 20, $"seed {seed}: only {outcome.Parsed} inputs parsed");
        Assert.True(outcome.Rejected >= InputsPerSeed / 20, $"seed {seed}: only {outcome.Rejected} inputs rejected");
        Assert.True(outcome.NamesSeen > InputsPerSeed / 20, $"seed {seed}: only {outcome.NamesSeen} names came out");
    }

    private sealed record Outcome(int Parsed, int Rejected, int NamesSeen, TimeSpan Slowest);

    private static Outcome Run(int seed)
    {
        var random = new Random(seed);
        int parsed = 0, rejected = 0, namesSeen = 0;
        var slowest = TimeSpan.Zero;
        for (var iteration = 0; iteration < InputsPerSeed; iteration++)
        {
            var (text, how) = NextInput(random);
            var context = $"ip link fuzz, seed {seed}, iteration {iteration} ({how}; {text.Length} chars)";
            var clock = Stopwatch.StartNew();
            IReadOnlySet<string>? names = null;
            try
            {
                names = IpLinkParser.ParseNames(text);
            }
            catch (WireGuardParseException error)
            {
                CheckMessage(error, text, context);
                rejected++;
            }
            catch (Exception other)
            {
                Assert.Fail($"{context}: {other.GetType().FullName} instead of WireGuardParseException: {WireGuardKey.Redact(other.Message)}\n{other.StackTrace}");
            }
            var elapsed = clock.Elapsed;
            if (elapsed > slowest) slowest = elapsed;
            // Over the limit, the same input is parsed again: only a parse slow on every try fails (not one a busy machine paused).
            ParseTiming.AssertQuick(elapsed, OneParseLimit, () => IpLinkParser.ParseNames(text), context);
            if (names is null) continue;
            CheckNames(names, text, context);
            namesSeen += names.Count;
            parsed++;
        }
        return new Outcome(parsed, rejected, namesSeen, slowest);
    }

    private static void CheckNames(IReadOnlySet<string> names, string input, string context)
    {
        var lines = input.Split('\n').Count(l => !string.IsNullOrWhiteSpace(l));
        Assert.True(names.Count <= lines, $"{context}: {names.Count} names from {lines} lines");
        foreach (var name in names)
        {
            Assert.True(name.Length is > 0 and <= 15, $"{context}: a name of {name.Length} characters");
            Assert.False(name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or ':' or '@'),
                $"{context}: the name '{Printable(name)}' holds a character an interface name cannot");
            // (At most 15 characters: a name can never carry a whole key, nor the 16-character fragments checked in messages.)
            Assert.True(input.Contains(name, StringComparison.Ordinal), $"{context}: the name '{Printable(name)}' is not in the input");
        }
    }

    private static void CheckMessage(WireGuardParseException error, string input, string context)
    {
        Assert.Equal("ip -o link show", error.InputName);
        Assert.True(error.LineNumber >= 1 && error.LineNumber <= input.Split('\n').Length, $"{context}: line {error.LineNumber} is outside the input");
        Assert.Contains($"line {error.LineNumber}:", error.Message, StringComparison.Ordinal);
        Assert.True(WireGuardKey.Redact(error.Message) == error.Message, $"{context}: the message quotes something shaped like a key");
        foreach (var secret in Secrets)
            Assert.False(error.Message.Contains(secret[..16], StringComparison.Ordinal), $"{context}: the message quotes part of a private key");
    }

    // ---- Inputs -------------------------------------------------------------------------------------

    private static (string Text, string How) NextInput(Random random)
    {
        switch (random.Next(10))
        {
            case 0:
                return (RandomText(random), "random bytes");
            case 1:
            case 2:
            case 3:
            {
                var generated = GeneratedLinks(random);
                return random.Next(3) == 0 ? (generated, "generated links") : Mutate(random, generated, "generated links");
            }
            default:
                return Mutate(random, Captured, "captured output");
        }
    }

    /// <summary>A valid `ip -o link show` of 1-12 links, some of them veth ends with an @ifN suffix.</summary>
    private static string GeneratedLinks(Random random)
    {
        var builder = new StringBuilder();
        var count = 1 + random.Next(12);
        for (var i = 1; i <= count; i++)
        {
            var name = random.Next(4) switch
            {
                0 => $"wg{random.Next(1000)}",
                1 => $"veth{random.Next(100)}@if{random.Next(100)}",
                2 => RandomName(random),
                _ => "lo",
            };
            builder.Append($"{random.Next(1, 100_000)}: {name}: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu {random.Next(576, 9001)} qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/none \n");
        }
        return builder.ToString();
    }

    private static string RandomName(Random random)
    {
        const string allowed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
        return new string(Enumerable.Range(0, 1 + random.Next(15)).Select(_ => allowed[random.Next(allowed.Length)]).ToArray());
    }

    private static (string Text, string How) Mutate(Random random, string text, string what)
    {
        var lines = text.Split('\n').ToList();
        var how = new List<string> { what };
        var mutations = 1 + random.Next(3);
        for (var m = 0; m < mutations; m++)
        {
            if (lines.Count == 0) lines.Add("");
            var index = random.Next(lines.Count);
            var line = lines[index];
            var fields = line.Split(':').ToList();
            var field = random.Next(fields.Count);
            switch (random.Next(10))
            {
                case 0:
                    fields[field] = JunkFields[random.Next(JunkFields.Length)];
                    how.Add($"replaced field {field + 1} of line {index + 1} by junk");
                    break;
                case 1:
                    // The secrets of the dump fixture, where a name or a number should be.
                    fields[field] = (random.Next(2) == 0 ? " " : "") + Secrets[random.Next(Secrets.Length)] + (random.Next(2) == 0 ? "@if3" : "");
                    how.Add($"put a private key in field {field + 1} of line {index + 1}");
                    break;
                case 2:
                    fields[field] = " " + TestKeys.From(random)[..random.Next(1, 45)];
                    how.Add($"put part of a key in field {field + 1} of line {index + 1}");
                    break;
                case 3:
                    fields.RemoveAt(field);
                    how.Add($"removed field {field + 1} of line {index + 1}");
                    break;
                case 4:
                {
                    var other = random.Next(fields.Count);
                    (fields[field], fields[other]) = (fields[other], fields[field]);
                    how.Add($"swapped fields {field + 1} and {other + 1} of line {index + 1}");
                    break;
                }
                case 5:
                {
                    var at = random.Next(line.Length + 1);
                    var noise = JunkFields[random.Next(JunkFields.Length)];
                    lines[index] = line.Insert(at, noise);
                    how.Add($"inserted junk in line {index + 1} at {at}");
                    continue;
                }
                case 6:
                    lines.RemoveAt(index);
                    how.Add($"dropped line {index + 1}");
                    continue;
                case 7:
                {
                    var copies = 1 + random.Next(line.Length > 1_000 ? 2 : 300);
                    lines.InsertRange(index, Enumerable.Repeat(line, copies));
                    how.Add($"repeated line {index + 1} {copies} times");
                    continue;
                }
                case 8:
                {
                    var at = random.Next(line.Length + 1);
                    lines[index] = line[..at];
                    lines.Insert(index + 1, line[at..]);
                    how.Add($"split line {index + 1} at {at}");
                    continue;
                }
                default:
                    lines[index] = line + new string('x', random.Next(10_000, 100_000));
                    how.Add($"made line {index + 1} very long");
                    continue;
            }
            lines[index] = string.Join(':', fields);
        }
        var separator = random.Next(5) == 0 ? "\r\n" : "\n";
        return (string.Join(separator, lines), string.Join("; ", how));
    }

    private static string RandomText(Random random)
    {
        var bytes = new byte[random.Next(2048)];
        random.NextBytes(bytes);
        return random.Next(2) == 0 ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);
    }

    private static string Printable(string text) =>
        WireGuardKey.Redact(string.Concat(text.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString())));
}
