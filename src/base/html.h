// Escaping text for HTML, shared by the chat templates' `escape` filter (which must match
// jinja2/markupsafe byte for byte), the planner's HTML report and the server's status page.
#pragma once

#include <string>
#include <string_view>

namespace tessera {

// & < > " ' as &amp; &lt; &gt; &#34; &#39; (markupsafe's choice of entities).
std::string html_escape(std::string_view s);

}  // namespace tessera
