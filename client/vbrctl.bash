# bash completion for vbrctl. Install: copy to /usr/share/bash-completion/completions/vbrctl
# (or `source client/vbrctl.bash`). vbrctl itself computes the candidates
# (`vbrctl __complete WORD...`), asking the server for group names, peer addresses and
# networks, so this file never falls out of step with the commands.
_vbrctl()
{
	local cur words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion -n = || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	local IFS=$'\n'
	local candidates
	candidates=$("${words[0]}" __complete "${words[@]:1:cword-1}" "$cur" 2>/dev/null)
	if [[ $candidates == __files__ ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		return
	fi
	COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
}
complete -F _vbrctl vbrctl
