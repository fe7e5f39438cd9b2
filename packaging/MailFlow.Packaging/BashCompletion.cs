using System.Globalization;
using System.Text;

namespace MailFlow.Packaging;

/// <summary>
/// A static bash completion script: per command path its subcommands, its options, which options take a
/// value and the fixed values (enum names) there are. Static, so completing never starts mailflow.
/// </summary>
internal static class BashCompletion
{
    public static string Write(CommandTree tree)
    {
        var script = new StringBuilder();
        script.Append("""
            # bash completion for mailflow(8). Generated from mailflow's own command tree by
            # packaging/MailFlow.Packaging (packaging/build-deb.sh): change the CLI, not this file.

            # _mailflow_tree PATH: sets subcommands, options (the names offered) and valued (every name of an
            # option that takes a value) for the command at PATH, e.g. "cert import".
            _mailflow_tree()
            {
                case "$1" in

            """);
        foreach (var node in tree.Nodes)
        {
            var subcommands = node.Command.Subcommands.Where(CommandTree.Visible).Select(c => c.Name);
            var options = node.InScope.Select(o => o.Name);
            var valued = node.InScope.Where(CommandTree.TakesValue).SelectMany(CommandTree.Names);
            script.Append(CultureInfo.InvariantCulture, $"        {Quote(node.Name)}) subcommands={Quote(subcommands)}; options={Quote(options)}; valued={Quote(valued)} ;;\n");
        }

        script.Append("""
                    *) subcommands=''; options=''; valued='' ;;
                esac
            }

            # _mailflow_values PATH OPTION: sets values to what OPTION of the command at PATH takes (its
            # arguments' when OPTION is empty); empty when any text goes, where bash completes file names.
            _mailflow_values()
            {
                case "$1|$2" in

            """);
        foreach (var node in tree.Nodes)
        {
            foreach (var option in node.InScope.Where(CommandTree.TakesValue))
            {
                var values = CommandTree.Values(option);
                foreach (var name in values.Count > 0 ? CommandTree.Names(option) : [])
                {
                    script.Append(CultureInfo.InvariantCulture, $"        {Quote($"{node.Name}|{name}")}) values={Quote(values)} ;;\n");
                }
            }

            var argumentValues = node.Command.Arguments.SelectMany(CommandTree.Values).ToList();
            if (argumentValues.Count > 0)
            {
                script.Append(CultureInfo.InvariantCulture, $"        {Quote($"{node.Name}|")}) values={Quote(argumentValues)} ;;\n");
            }
        }

        script.Append("""
                    *) values='' ;;
                esac
            }

            _mailflow()
            {
                local cur=${COMP_WORDS[COMP_CWORD]} path='' expect='' word i subcommands options valued values
                _mailflow_tree ''
                # Follow the words before the cursor down the tree; an option's value is not a subcommand.
                for ((i = 1; i < COMP_CWORD; i++)); do
                    word=${COMP_WORDS[i]}
                    if [[ -n $expect ]]; then
                        expect=''
                    elif [[ $word == -* ]]; then
                        [[ " $valued " == *" $word "* ]] && expect=$word
                    elif [[ " $subcommands " == *" $word "* ]]; then
                        path=${path:+$path }$word
                        _mailflow_tree "$path"
                    fi
                done
                COMPREPLY=()
                if [[ -n $expect ]]; then
                    _mailflow_values "$path" "$expect"
                    [[ -n $values ]] && mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")
                elif [[ $cur == -* ]]; then
                    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
                elif [[ -n $subcommands ]]; then
                    mapfile -t COMPREPLY < <(compgen -W "$subcommands" -- "$cur")
                else
                    _mailflow_values "$path" ''
                    [[ -n $values ]] && mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")
                fi
                return 0
            }
            # -o default: where nothing is offered (a file, a free-text value) readline completes file names.
            complete -o default -F _mailflow mailflow

            """);
        return script.ToString();
    }

    private static string Quote(IEnumerable<string> words) => Quote(string.Join(' ', words));

    /// <summary>Single-quoted for bash; names and enum values never hold a quote, and one would break the script.</summary>
    private static string Quote(string text) => text.Contains('\'', StringComparison.Ordinal)
        ? throw new InvalidOperationException($"a command, option or value name holds a single quote: {text}")
        : $"'{text}'";
}
