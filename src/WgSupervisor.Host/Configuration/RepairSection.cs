using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Host.Configuration;

/// <summary>
/// A Repair section (in Defaults or a tunnel): the ladder, cheapest first, each rung a name ("reset-peer") or an
/// object ({ "Rung": "command", "Command": [...], "TimeoutSeconds": 30 }) that also says how the rung is carried out.
/// </summary>
public static class RepairSection
{
    private const string RungNames = "not a repair rung (reresolve-endpoint, reset-peer, restart-interface, command)";

    /// <summary>One rung given as an object, read on top of the options of the rungs before it.</summary>
    /// <param name="Rung">Null when the rung's name is missing or wrong (then nothing else of it is read).</param>
    /// <param name="HasCommand">The entry gives a Command (its TimeoutSeconds is read only then).</param>
    private sealed record RungEntry(RepairRung? Rung, RepairOptions Options, bool HasCommand);

    private static readonly KeyTable<RungEntry> RungKeys = new KeyTable<RungEntry>()
        .Key("Rung", (k, e) => e with { Rung = k.Text is { } name && RepairRungs.TryParse(name, out var rung) ? rung : NotARung(k) })
        .Key("VerifyTimeoutSeconds", (k, e) => e.Rung is not { } rung || !k.IsSet
            ? e
            : e with
            {
                Options = e.Options with
                {
                    VerifyTimeouts = new Dictionary<RepairRung, TimeSpan>(e.Options.VerifyTimeouts) { [rung] = k.Seconds(0, minimum: 1) },
                },
            })
        .Key("SystemdUnit", (k, e) =>
        {
            if (e.Rung is not { } rung || k.Text is not { } unit) return e;
            if (rung != RepairRung.RestartInterface) k.Problem("only restart-interface takes a SystemdUnit");
            else if (!ConfigPatterns.SystemdUnit().IsMatch(unit)) k.Problem("not a systemd unit name");
            return e with { Options = e.Options with { SystemdUnit = unit } };
        })
        .Key("Command", (k, e) =>
        {
            var argv = k.Items.Select(c => c.Value).ToList();
            if (e.Rung is not { } rung || argv.Count == 0) return e;
            if (rung != RepairRung.Command) k.Problem("only the command rung takes a Command");
            else if (argv.Any(a => a is null) || !Path.IsPathFullyQualified(argv[0]!))
                k.Problem("a list of strings whose first is the program's absolute path");
            return e with { Options = e.Options with { Command = argv.OfType<string>().ToList() }, HasCommand = true };
        })
        .Key("TimeoutSeconds", (k, e) => e.HasCommand
            ? e with { Options = e.Options with { CommandTimeout = k.Seconds(e.Options.CommandTimeout.TotalSeconds, minimum: 1) } }
            : e)
        .Check((section, e) =>
        {
            if (e.Rung == RepairRung.Command && !e.HasCommand) section.Problem("Command", "the command rung needs a Command (program and arguments)");
        });

    private static RepairRung? NotARung(KeyReader key)
    {
        key.Problem(RungNames);
        return null;
    }

    /// <summary>Reads the ladder into <paramref name="fields"/>; without entries the inherited ladder and options stay.</summary>
    public static TunnelFields Read(KeyReader key, TunnelFields fields)
    {
        var entries = key.Items;
        if (entries.Count == 0) return fields;
        var ladder = new List<RepairRung>();
        var options = RepairOptions.None with { EndpointHost = fields.Settings.Repair.EndpointHost };
        foreach (var entry in entries)
        {
            var entryPath = SettingsReader.PathOf(key.Path, entry.Key);
            RepairRung rung;
            if (entry.Value is { } name)
            {
                if (!RepairRungs.TryParse(name, out rung))
                {
                    key.Reader.Problem(entryPath, RungNames);
                    continue;
                }
            }
            else
            {
                var read = RungKeys.Read(key.Reader, entry, entryPath, new RungEntry(null, options, HasCommand: false));
                if (read.Rung is null) continue;
                rung = read.Rung.Value;
                options = read.Options;
            }
            if (ladder.Contains(rung)) key.Reader.Problem(entryPath, $"{rung.ToWireName()} appears twice in the ladder");
            ladder.Add(rung);
        }
        return fields with { Settings = fields.Settings with { Ladder = ladder, Repair = options }, LadderConfigured = true };
    }
}
