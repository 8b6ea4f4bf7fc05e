#!/bin/sh
# Assemble public/ from content/ and layout/. Each page is written to a
# temporary file and renamed into place, so a reader never sees half a page.
set -eu
mkdir -p public
for page in content/*.html; do
	name=$(basename "$page")
	title=$(sed -n 's/^<!-- title: \(.*\) -->$/\1/p' "$page")
	tmp="public/.$name.tmp"
	{
		sed "s/{{title}}/${title:-tend}/" layout/header.html
		cat "$page"
		sed "s/{{built}}/$(date -u +%Y-%m-%dT%H:%M:%SZ)/" layout/footer.html
	} >"$tmp"
	mv "$tmp" "public/$name"
	echo "built public/$name"
done
cp static/style.css public/.style.css.tmp
mv public/.style.css.tmp public/style.css
echo "site ready: $(ls public | wc -l) files"
