using System.Diagnostics;
using System.Text;
using System.Text.Json;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.WireGuard.Tests.Support;
using WgSupervisor.WireGuard.Parsing;
using Xunit;
using Xunit.Abstractions;

namespace WgSupervisor.WireGuard.Tests.Parsing;

/// <summary>
/// Fuzzing of both WireGuard parsers: for each seed, 12,000 inputs — mutations of real answers (bit flips,
/// cuts, lines doubled, dropped, swapped, split, junk key=value lines, huge numbers, unicode, control
/// characters, very long lines) and inputs made from scratch. Every parse must end quickly and either return
/// or throw <see cref="WireGuardParseException"/>; no secret of the input may survive in a result or a message.
/// "Quickly" is under 2 s for the fastest of up to three parses of the input (<see cref="ParseTiming"/>).
/// The seed and the iteration are in every failure message: a failure replays with the same seed.
/// </summary>
public sealed class UapiParserFuzzTests(ITestOutputHelper output)
{
    private const int InputsPerSeed = 12_000;
    private static readonly TimeSpan WholeRunLimit = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan OneParseLimit = TimeSpan.FromSeconds(2);

    // ---- UAPI ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(1)]
    [InlineData(20261125)]
    public async Task Uapi_parser_survives_12000_random_and_mutated_answers(int seed)
    {
        var outcome = await RunBoundedAsync(seed, "UAPI", random =>
        {
            var (text, how) = NextUapiInput(random);
            return (text, how, () => UapiParser.Parse("wgfuzz0", text), result => CheckUapiResult((InterfaceStatus)result, text));
        });

        output.WriteLine($"UAPI seed {seed}: {outcome.Inputs} inputs, {outcome.Parsed} parsed, {outcome.Rejected} rejected, slowest parse {outcome.Slowest.TotalMilliseconds:0.0} ms");
        Assert.Equal(InputsPerSeed, outcome.Inputs);
        // Both sides of the parser were exercised, not only its first line check.
        Assert.True(outcome.Parsed >= InputsPerSeed / 20, $"seed {seed}: only {outcome.Parsed} of {outcome.Inputs} inputs parsed");
        Assert.True(outcome.Rejected >= InputsPerSeed / 20, $"seed {seed}: only {outcome.Rejected} of {outcome.Inputs} inputs were rejected");
    }

    private static readonly string[] UapiBases = [UapiSamples.Captured, UapiSamples.Hub];

    private static readonly string[] UapiKeys =
    [
        "private_key", "listen_port", "fwmark", "public_key", "preshared_key", "protocol_version", "endpoint",
        "last_handshake_time_sec", "last_handshake_time_nsec", "rx_bytes", "tx_bytes", "persistent_keepalive_interval",
        "allowed_ip", "errno", "replace_peers", "remove", "update_only", "replace_allowed_ips", "set", "get",
        "", " ", "ERRNO", "Public_Key", "rx_bytes ", "é", "键", "\u202eerrno", "errno\u200b", "0", "=",
    ];

    private static readonly string[] JunkValues =
    [
        "", "0", "1", "-1", "-0", "+1", " 1", "1 ", "0x10", "1e9", "1.5", "NaN", "∞", "\u0661\u0662", "\uff11\uff12",
        "65535", "65536", "999999999", "1000000000", "2147483647", "2147483648", "4294967296", "9223372036854775807",
        "9223372036854775808", "18446744073709551616", "99999999999999999999999999999999", "253402300798", "253402300799",
        "253402300800", "(none)", "off", "10.250.99.2:51820", "[fd00::1]:51820", "fd00::1:51820", "[::1]", "1.2.3.4", ":1",
        "gw.example.net:51820", "10.0.0.0/8", "10.0.0.0/33", "::/0", "0.0.0.0/0", "fd00::/129", "banana",
        UapiSamples.PeerKeyHex, UapiSamples.PeerKeyHex.ToUpperInvariant(), UapiSamples.PeerKeyHex[..63], UapiSamples.PeerKeyBase64,
        new string('0', 64), new string('f', 64), new string('g', 64), "\u0000", "\u001b[2J", "\t", "=", "==", "é", "😀", "\ud800",
    ];

    private static readonly string[] UnicodeNoise =
        ["é", "中", "😀", "\ud800", "\udfff", "\u202e", "\u200b", "\ufeff", "\u2028", "\u0661", "\uff11", "\u00a0", "\u0301", "\uffff"];

    private static readonly char[] ControlNoise = ['\0', '\u0001', '\u001b', '\u007f', '\u0085', '\t', '\r', '\v', '\f', '\b'];

    private static (string Text, string How) NextUapiInput(Random random)
    {
        switch (random.Next(10))
        {
            case 0:
                return (RandomBytes(random), "random bytes");
            case 1:
                return (RandomKeyValueAnswer(random), "random key=value lines");
            default:
                var how = new List<string>();
                var lines = UapiBases[random.Next(UapiBases.Length)].Split('\n').ToList();
                var mutations = 1 + random.Next(4);
                for (var m = 0; m < mutations; m++) how.Add(MutateKeyValueLines(random, lines));
                return (JoinLines(random, lines), string.Join("; ", how));
        }
    }

    private static string RandomKeyValueAnswer(Random random)
    {
        var builder = new StringBuilder();
        var count = random.Next(40);
        for (var i = 0; i < count; i++)
        {
            var key = UapiKeys[random.Next(UapiKeys.Length)];
            var value = random.Next(3) switch
            {
                0 => JunkValues[random.Next(JunkValues.Length)],
                1 => random.NextInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => ValueFor(random, key),
            };
            builder.Append(key).Append('=').Append(value).Append('\n');
        }
        if (random.Next(4) != 0) builder.Append("errno=").Append(random.Next(5) == 0 ? random.Next(200) : 0).Append('\n');
        return builder.Append('\n').ToString();
    }

    /// <summary>A plausible value for the key (so that random answers often parse).</summary>
    private static string ValueFor(Random random, string key) => key switch
    {
        "public_key" => Convert.ToHexString(RandomBytes(random, 32)).ToLowerInvariant(),
        "private_key" => UapiSamples.PrivateKeyHex,
        "preshared_key" => UapiSamples.PresharedKeyHex,
        "listen_port" or "persistent_keepalive_interval" => random.Next(65536).ToString(System.Globalization.CultureInfo.InvariantCulture),
        "last_handshake_time_sec" => (1_700_000_000 + random.Next(200_000_000)).ToString(System.Globalization.CultureInfo.InvariantCulture),
        "last_handshake_time_nsec" => random.Next(1_000_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
        "endpoint" => random.Next(2) == 0 ? $"10.250.{random.Next(256)}.{random.Next(256)}:{1 + random.Next(65535)}" : $"[fd00::{random.Next(65536):x}]:{1 + random.Next(65535)}",
        "allowed_ip" => $"10.251.{random.Next(256)}.0/{random.Next(33)}",
        _ => random.NextInt64(0, 1_000_000_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>One mutation of key=value (or tab-separated) lines in place; says what it did.</summary>
    private static string MutateKeyValueLines(Random random, List<string> lines, char fieldSeparator = '=')
    {
        if (lines.Count == 0) lines.Add("");
        var index = random.Next(lines.Count);
        var line = lines[index];
        switch (random.Next(16))
        {
            case 0:
            {
                // Flip bits in the UTF-8 bytes of the line; invalid sequences decode to U+FFFD.
                var bytes = Encoding.UTF8.GetBytes(line);
                if (bytes.Length == 0) return "flip in an empty line (none)";
                var flips = 1 + random.Next(3);
                for (var f = 0; f < flips; f++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                lines[index] = Encoding.UTF8.GetString(bytes);
                return $"flipped {flips} bit(s) in line {index + 1}";
            }
            case 1:
            {
                var cut = random.Next(line.Length + 1);
                lines[index] = line[..cut];
                lines.RemoveRange(index + 1, lines.Count - index - 1);
                return $"cut the input at line {index + 1} column {cut}";
            }
            case 2:
                lines.Insert(index, line);
                return $"doubled line {index + 1}";
            case 3:
                lines.RemoveAt(index);
                return $"dropped line {index + 1}";
            case 4:
            {
                var other = random.Next(lines.Count);
                (lines[index], lines[other]) = (lines[other], lines[index]);
                return $"swapped lines {index + 1} and {other + 1}";
            }
            case 5:
                lines.Insert(index, fieldSeparator == '='
                    ? $"{UapiKeys[random.Next(UapiKeys.Length)]}={JunkValues[random.Next(JunkValues.Length)]}"
                    : string.Join('\t', Enumerable.Range(0, random.Next(12)).Select(_ => JunkValues[random.Next(JunkValues.Length)])));
                return $"inserted a junk line at {index + 1}";
            case 6:
            {
                var separator = line.IndexOf(fieldSeparator);
                var value = JunkValues[random.Next(JunkValues.Length)];
                lines[index] = separator < 0 ? line + fieldSeparator + value : line[..(separator + 1)] + value;
                return $"replaced the value of line {index + 1}";
            }
            case 7:
            {
                var separator = line.IndexOf(fieldSeparator);
                var key = fieldSeparator == '=' ? UapiKeys[random.Next(UapiKeys.Length)] : JunkValues[random.Next(JunkValues.Length)];
                lines[index] = separator < 0 ? key : key + line[separator..];
                return $"replaced the key of line {index + 1}";
            }
            case 8:
            {
                var at = random.Next(line.Length + 1);
                lines[index] = line.Insert(at, ControlNoise[random.Next(ControlNoise.Length)].ToString());
                return $"inserted a control character in line {index + 1} at {at}";
            }
            case 9:
            {
                var at = random.Next(line.Length + 1);
                var noise = UnicodeNoise[random.Next(UnicodeNoise.Length)];
                lines[index] = line.Insert(at, noise);
                return $"inserted U+{(int)noise[0]:X4} in line {index + 1} at {at}";
            }
            case 10:
            {
                var length = random.Next(4) == 0 ? 100_000 + random.Next(900_000) : 1_000 + random.Next(50_000);
                var filler = random.Next(3) switch
                {
                    0 => new string('9', length),
                    1 => new string('a', length),
                    _ => string.Concat(Enumerable.Repeat("10.0.0.0/8,", length / 11)),
                };
                var separator = line.IndexOf(fieldSeparator);
                lines[index] = random.Next(2) == 0 && separator >= 0 ? line[..(separator + 1)] + filler : filler + fieldSeparator + "1";
                return $"made line {index + 1} {length} characters long";
            }
            case 11:
            {
                string[] huge = ["9223372036854775807", "9223372036854775808", "18446744073709551615", "340282366920938463463374607431768211456", "253402300799", "253402300798", "999999999", "1000000000", "4294967295", "65536"];
                var separator = line.IndexOf(fieldSeparator);
                lines[index] = (separator >= 0 ? line[..(separator + 1)] : line + fieldSeparator) + huge[random.Next(huge.Length)];
                return $"put a huge number in line {index + 1}";
            }
            case 12:
            {
                var at = random.Next(line.Length + 1);
                var what = "\n=\t:[],/ "[random.Next(9)];
                lines[index] = line.Insert(at, what.ToString());
                return $"inserted '{(what == '\n' ? "\\n" : what.ToString())}' in line {index + 1} at {at}";
            }
            case 13:
                lines.RemoveAll(l => l.StartsWith("errno", StringComparison.Ordinal));
                return "removed errno";
            case 14:
                for (var i = 0; i < lines.Count; i++)
                    if (lines[i].StartsWith("errno=", StringComparison.Ordinal)) lines[i] = $"errno={random.Next(-2, 200)}";
                return "changed errno";
            default:
            {
                var copies = line.Length > 1_000 ? 2 : 2 + random.Next(200); // at most ~2 MB of input
                lines.InsertRange(index, Enumerable.Repeat(line, copies));
                return $"repeated line {index + 1} {copies} times";
            }
        }
    }

    private static void CheckUapiResult(InterfaceStatus status, string input)
    {
        Assert.Equal("wgfuzz0", status.Name);
        Assert.Null(status.PublicKey);
        Assert.True(status.ListenPort is null or (> 0 and <= 65535), $"listen port {status.ListenPort}");
        foreach (var peer in status.Peers)
        {
            Assert.True(WireGuardKey.IsValid(peer.PublicKey), "a peer key that is not a WireGuard key");
            Assert.True(peer.RxBytes >= 0 && peer.TxBytes >= 0, "negative counters");
            Assert.True(peer.PersistentKeepaliveSeconds is null or (> 0 and <= 65535), $"keepalive {peer.PersistentKeepaliveSeconds}");
            Assert.True(peer.LatestHandshake is null || peer.LatestHandshake >= DateTimeOffset.UnixEpoch, "handshake before 1970");
        }
        var serialized = UapiSamples.Serialize(status);
        foreach (var (hex, base64) in new[] { (UapiSamples.PrivateKeyHex, UapiSamples.PrivateKeyBase64), (UapiSamples.PresharedKeyHex, UapiSamples.PresharedKeyBase64) })
        {
            // Only a line that declares the secret as a peer's public key may bring it into the result.
            var declaredPublic = input.Split('\n').Any(l => l.TrimEnd('\r').Equals($"public_key={hex}", StringComparison.OrdinalIgnoreCase));
            if (declaredPublic) continue;
            Assert.False(serialized.Contains(base64, StringComparison.Ordinal), "a secret (base64) survived parsing");
            Assert.False(serialized.Contains(hex, StringComparison.OrdinalIgnoreCase), "a secret (hex) survived parsing");
            Assert.False(serialized.Contains(base64[..40], StringComparison.Ordinal), "most of a secret survived parsing");
        }
    }

    // ---- wg show all dump ---------------------------------------------------------------------------

    [Theory]
    [InlineData(3)]
    [InlineData(20261125)]
    public async Task Dump_parser_survives_12000_random_and_mutated_dumps(int seed)
    {
        var outcome = await RunBoundedAsync(seed, "dump", random =>
        {
            var (text, how) = NextDumpInput(random);
            return (text, how, () => WgDumpParser.Parse(text), result => CheckDumpResult((IReadOnlyDictionary<string, InterfaceStatus>)result, text));
        });

        output.WriteLine($"dump seed {seed}: {outcome.Inputs} inputs, {outcome.Parsed} parsed, {outcome.Rejected} rejected, slowest parse {outcome.Slowest.TotalMilliseconds:0.0} ms");
        Assert.Equal(InputsPerSeed, outcome.Inputs);
        Assert.True(outcome.Parsed >= InputsPerSeed / 20, $"seed {seed}: only {outcome.Parsed} of {outcome.Inputs} inputs parsed");
        Assert.True(outcome.Rejected >= InputsPerSeed / 20, $"seed {seed}: only {outcome.Rejected} of {outcome.Inputs} inputs were rejected");
    }

    private static readonly string CapturedDump = Fixture.Read("wg-show-all-dump.txt");
    private static readonly string[] DumpSecrets = Fixture.NonEmptyLines("private-keys-in-dump.txt");

    private static (string Text, string How) NextDumpInput(Random random)
    {
        switch (random.Next(10))
        {
            case 0:
                return (RandomBytes(random), "random bytes");
            case 1:
            case 2:
            {
                var generated = GeneratedDump(random);
                return random.Next(2) == 0 ? (generated, "generated dump") : MutateDump(random, generated, "generated dump");
            }
            default:
                return MutateDump(random, CapturedDump, "captured dump");
        }
    }

    private static (string Text, string How) MutateDump(Random random, string dump, string what)
    {
        var lines = dump.Split('\n').ToList();
        var how = new List<string> { what };
        var mutations = 1 + random.Next(4);
        for (var m = 0; m < mutations; m++)
        {
            if (random.Next(3) == 0)
            {
                how.Add(MutateKeyValueLines(random, lines, '\t'));
                continue;
            }
            // Field-level mutations: the columns are what the dump parser reads.
            if (lines.Count == 0) lines.Add("");
            var index = random.Next(lines.Count);
            var fields = lines[index].Split('\t').ToList();
            var field = random.Next(fields.Count);
            switch (random.Next(4))
            {
                case 0:
                    fields[field] = JunkValues[random.Next(JunkValues.Length)];
                    how.Add($"replaced field {field + 1} of line {index + 1}");
                    break;
                case 1:
                    fields.RemoveAt(field);
                    how.Add($"removed field {field + 1} of line {index + 1}");
                    break;
                case 2:
                    fields.Insert(field, random.Next(3) == 0 ? TestKeys.From(random) : JunkValues[random.Next(JunkValues.Length)]);
                    how.Add($"inserted a field at {field + 1} of line {index + 1}");
                    break;
                default:
                    var other = random.Next(fields.Count);
                    (fields[field], fields[other]) = (fields[other], fields[field]);
                    how.Add($"swapped fields {field + 1} and {other + 1} of line {index + 1}");
                    break;
            }
            lines[index] = string.Join('\t', fields);
        }
        return (JoinLines(random, lines), string.Join("; ", how));
    }

    /// <summary>A valid dump of 1-4 interfaces with 0-5 peers each, holding the fixture's secrets where secrets go.</summary>
    private static string GeneratedDump(Random random)
    {
        var builder = new StringBuilder();
        var interfaces = 1 + random.Next(4);
        for (var i = 0; i < interfaces; i++)
        {
            var name = $"wg{i}";
            builder.Append($"{name}\t{DumpSecrets[random.Next(DumpSecrets.Length)]}\t{TestKeys.From(random)}\t{(random.Next(5) == 0 ? 0 : 1 + random.Next(65535))}\toff\n");
            var peers = random.Next(6);
            for (var p = 0; p < peers; p++)
            {
                var endpoint = random.Next(4) switch
                {
                    0 => "(none)",
                    1 => $"[fd00::{random.Next(65536):x}]:{1 + random.Next(65535)}",
                    _ => $"10.250.{random.Next(256)}.{random.Next(256)}:{1 + random.Next(65535)}",
                };
                var allowed = random.Next(4) == 0 ? "(none)" : string.Join(',', Enumerable.Range(0, 1 + random.Next(3)).Select(_ => $"10.{random.Next(256)}.0.0/{8 + random.Next(25)}"));
                var handshake = random.Next(3) == 0 ? 0 : 1_700_000_000 + random.Next(200_000_000);
                var keepalive = random.Next(2) == 0 ? "off" : (1 + random.Next(65535)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var preshared = random.Next(2) == 0 ? "(none)" : DumpSecrets[random.Next(DumpSecrets.Length)];
                builder.Append($"{name}\t{TestKeys.From(random)}\t{preshared}\t{endpoint}\t{allowed}\t{handshake}\t{random.NextInt64(0, long.MaxValue)}\t{random.Next()}\t{keepalive}\n");
            }
        }
        return builder.ToString();
    }

    private static void CheckDumpResult(IReadOnlyDictionary<string, InterfaceStatus> interfaces, string input)
    {
        foreach (var (name, status) in interfaces)
        {
            Assert.Equal(name, status.Name);
            Assert.InRange(name.Length, 1, 15);
            Assert.True(status.PublicKey is null || WireGuardKey.IsValid(status.PublicKey), "an interface key that is not a WireGuard key");
            Assert.True(status.ListenPort is null or (> 0 and <= 65535), $"listen port {status.ListenPort}");
            foreach (var peer in status.Peers)
            {
                Assert.True(WireGuardKey.IsValid(peer.PublicKey), "a peer key that is not a WireGuard key");
                Assert.True(peer.RxBytes >= 0 && peer.TxBytes >= 0, "negative counters");
                // (A zero-padded "00" comes through as 0 rather than off; harmless: only a positive value counts as keepalive.)
                Assert.True(peer.PersistentKeepaliveSeconds is null or (>= 0 and <= 65535), $"keepalive {peer.PersistentKeepaliveSeconds}");
            }
        }
        var serialized = JsonSerializer.Serialize(interfaces, UapiSamples.Json);
        // Secrets that a mutation moved into a public-key column are public keys as far as the input says.
        var declaredPublic = input.Split('\n').Select(l => l.TrimEnd('\r').Split('\t'))
            .SelectMany(f => f.Length == 5 ? [f[2]] : f.Length == 9 ? new[] { f[1] } : [])
            .ToHashSet(StringComparer.Ordinal);
        foreach (var secret in DumpSecrets.Where(s => !declaredPublic.Contains(s)))
            Assert.False(serialized.Contains(secret[..40], StringComparison.Ordinal), "a secret survived parsing");
    }

    // ---- The bounded runner -------------------------------------------------------------------------

    private sealed record Outcome(int Inputs, int Parsed, int Rejected, TimeSpan Slowest);

    private delegate (string Text, string How, Func<object> Parse, Action<object> Check) InputMaker(Random random);

    /// <summary>
    /// Runs <see cref="InputsPerSeed"/> parses on a worker, each timed, the whole run under <see cref="WholeRunLimit"/>:
    /// a parser that hangs fails the test with the seed and iteration it hung on instead of hanging the suite.
    /// </summary>
    private static async Task<Outcome> RunBoundedAsync(int seed, string parser, InputMaker next)
    {
        var current = -1;
        var currentHow = "";
        var work = Task.Run(() =>
        {
            var random = new Random(seed);
            int parsed = 0, rejected = 0;
            var slowest = TimeSpan.Zero;
            for (var iteration = 0; iteration < InputsPerSeed; iteration++)
            {
                var (text, how, parse, check) = next(random);
                Volatile.Write(ref current, iteration);
                currentHow = how;
                var context = $"{parser} fuzz, seed {seed}, iteration {iteration} ({how}; {text.Length} chars)";
                var clock = Stopwatch.StartNew();
                object? result = null;
                try
                {
                    result = parse();
                }
                catch (WireGuardParseException error)
                {
                    CheckMessage(error, text, context);
                    rejected++;
                }
                catch (Exception other)
                {
                    Assert.Fail($"{context}: {other.GetType().FullName} instead of WireGuardParseException: {Redacted(other.Message)}\n{other.StackTrace}");
                }
                var elapsed = clock.Elapsed;
                if (elapsed > slowest) slowest = elapsed;
                // Over the limit, the same input is parsed again: only a parse slow on every try fails (not one a busy machine paused).
                ParseTiming.AssertQuick(elapsed, OneParseLimit, () => parse(), context);
                if (result is null) continue;
                try
                {
                    check(result);
                }
                catch (Exception failed) when (failed is Xunit.Sdk.XunitException)
                {
                    Assert.Fail($"{context}: {failed.Message}");
                }
                parsed++;
            }
            return new Outcome(InputsPerSeed, parsed, rejected, slowest);
        });
        try
        {
            return await work.WaitAsync(WholeRunLimit);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{parser} fuzz, seed {seed}: not done within {WholeRunLimit.TotalMinutes:0} min; stuck at iteration {Volatile.Read(ref current)} ({currentHow})");
            throw;
        }
    }

    private static void CheckMessage(WireGuardParseException error, string input, string context)
    {
        Assert.True(error.LineNumber >= 0 && error.LineNumber <= input.Split('\n').Length, $"{context}: line {error.LineNumber} is outside the input");
        Assert.True(UapiSamples.LeakedFragment(error.Message) is null, $"{context}: the message quotes part of a secret: {Redacted(error.Message)}");
        foreach (var secret in DumpSecrets)
            Assert.False(error.Message.Contains(secret[..20], StringComparison.Ordinal), $"{context}: the message quotes a dump secret");
        Assert.True(WireGuardKey.Redact(error.Message) == error.Message, $"{context}: the message quotes something shaped like a key");
    }

    private static string Redacted(string text)
    {
        var redacted = WireGuardKey.Redact(text);
        foreach (var fragment in UapiSamples.SecretFragments) redacted = redacted.Replace(fragment, "(secret)", StringComparison.OrdinalIgnoreCase);
        return redacted;
    }

    // ---- Helpers ------------------------------------------------------------------------------------

    private static string RandomBytes(Random random)
    {
        var bytes = RandomBytes(random, random.Next(4096));
        return random.Next(2) == 0 ? Encoding.UTF8.GetString(bytes) : Encoding.Latin1.GetString(bytes);
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string JoinLines(Random random, List<string> lines) => random.Next(6) switch
    {
        0 => string.Join("\r\n", lines),
        1 => string.Join("\r", lines),
        _ => string.Join("\n", lines),
    };
}
