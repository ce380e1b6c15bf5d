#!/bin/sh
# abi_c99.sh CC ABI_DIR — the ABI header compiles alone as strict C99 and
# includes nothing but <stdint.h> and <stddef.h>. Prints TAP.
cc=$1 dir=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
printf '#include "trueno_abi.h"\nint main(void) { return 0; }\n' > "$tmp/t.c"
n=0 failed=0
check() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }

"$cc" -std=c99 -Wall -Wextra -Werror -pedantic -I"$dir" -c "$tmp/t.c" -o "$tmp/t.o" 2>"$tmp/err"
rc=$?; sed 's/^/# /' "$tmp/err"
check $rc "trueno_abi.h compiles with $cc -std=c99 -Wall -Wextra -Werror -pedantic"

includes=$(grep -E '^[[:space:]]*#[[:space:]]*include' "$dir/trueno_abi.h" | grep -vE '<(stdint|stddef)\.h>')
[ -z "$includes" ]; check $? "trueno_abi.h includes only <stdint.h> and <stddef.h>${includes:+ (found: $includes)}"

# The preprocessed header pulls in no other system header.
"$cc" -std=c99 -I"$dir" -E -H "$tmp/t.c" -o /dev/null 2>"$tmp/h"
others=$(grep '^\.' "$tmp/h" | grep -vE 'trueno_abi\.h|stdint|stddef|bits/|gnu/|features|sys/cdefs|stdc-predef|wchar' | head -3)
[ -z "$others" ]; check $? "no other header is reached${others:+ (found: $others)}"
echo "1..$n"
[ "$failed" = 0 ]
